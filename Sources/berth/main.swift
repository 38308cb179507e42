import BerthCLI

await BerthCommand.runFromCommandLine()
