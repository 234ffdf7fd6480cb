// Command nomad is the official Nomad agent and CLI (v1.6.3, MPL-2.0), built from the
// github.com/hashicorp/nomad module as an ordinary dependency. Nothing of Nomad is
// re-implemented here.
package main

import (
	"os"

	// Plugins Nomad re-executes itself for.
	_ "github.com/hashicorp/nomad/client/allocrunner/taskrunner/getter"
	_ "github.com/hashicorp/nomad/client/logmon"
	_ "github.com/hashicorp/nomad/drivers/shared/executor"

	"github.com/hashicorp/nomad/command"
	"github.com/hashicorp/nomad/version"
	"github.com/mitchellh/cli"
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
