package main

import (
	"os"

	_ "github.com/hashicorp/nomad/client/allocrunner/taskrunner/getter"
	_ "github.com/hashicorp/nomad/client/allocrunner/taskrunner/template/renderer"
	_ "github.com/hashicorp/nomad/client/logmon"
	_ "github.com/hashicorp/nomad/drivers/shared/executor"

	"github.com/hashicorp/cli"
	"github.com/hashicorp/nomad/command"
	"github.com/hashicorp/nomad/version"
)

func main() {
	meta := new(command.Meta)
	meta.SetupUi(os.Args[1:])
	agentUi := &cli.BasicUi{Reader: os.Stdin, Writer: os.Stdout, ErrorWriter: os.Stderr}
	c := &cli.CLI{
		Name:       "nomad",
		Version:    version.GetVersion().FullVersionNumber(true),
		Args:       os.Args[1:],
		Commands:   command.Commands(meta, agentUi),
		HelpWriter: os.Stdout,
	}
	code, err := c.Run()
	if err != nil {
		os.Stderr.WriteString("Error executing CLI: " + err.Error() + "\n")
		os.Exit(1)
	}
	os.Exit(code)
}
