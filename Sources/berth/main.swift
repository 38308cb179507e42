import BerthCLI

await BerthCommand.main()
