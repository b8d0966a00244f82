from goat.cli.main import app

app(prog_name="goat")
