"""The pages, one module per part of the site; each builds on the functions the JSON routes use."""
