// Command vault is the official Vault server and CLI, built from the
// github.com/hashicorp/vault module as an ordinary dependency. The tests start
// it as `vault server -dev`; nothing of Vault is re-implemented here.
package main

import (
	"os"

	"github.com/hashicorp/vault/command"
)

func main() {
	os.Exit(command.Run(os.Args[1:]))
}
