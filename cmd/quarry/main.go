// Command quarry runs Microsoft Sentinel and Defender XDR hunting rules,
// written in KQL, on an organisation's own data.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/quarry-kql/quarry/store"
)

// root is the quarry command. Each subcommand lives in its own file and
// adds itself to root in an init function.
var root = &cobra.Command{
	Use:           "quarry",
	Short:         "Run Sentinel and Defender XDR hunting rules (KQL) on your own data",
	SilenceUsage:  true,
	SilenceErrors: true,
}

// dbPath is the --db flag shared by every command that touches the store.
var dbPath string

func init() {
	root.PersistentFlags().StringVar(&dbPath, "db", "", "database file (default $"+store.EnvDB+" or "+store.DefaultPath()+")")
}

// databasePath returns the database chosen by --db, QUARRY_DB or the default.
func databasePath() string {
	if dbPath != "" {
		return dbPath
	}
	return store.DefaultPath()
}

// exitError carries a process exit code through cobra, for commands such
// as `quarry check` that report problems themselves and only need to fail.
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func main() {
	if err := root.Execute(); err != nil {
		if e, ok := err.(exitError); ok {
			os.Exit(e.code)
		}
		fmt.Fprintln(os.Stderr, "quarry:", err)
		os.Exit(1)
	}
}
