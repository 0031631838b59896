from bayesmeta.cli import entry

entry()
