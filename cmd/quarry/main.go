// Command quarry runs Microsoft Sentinel and Defender XDR hunting rules,
// written in KQL, on an organisation's own data.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/quarry-kql/quarry/config"
	"github.com/quarry-kql/quarry/enrich"
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

// dbPath is the --db flag shared by every command that touches the store;
// configPath is --config.
var dbPath, configPath string

func init() {
	root.PersistentFlags().StringVar(&dbPath, "db", "", "database file (default $"+store.EnvDB+" or "+store.DefaultPath()+")")
	root.PersistentFlags().StringVar(&configPath, "config", "", "configuration file (default $"+config.EnvConfig+" or "+filepath.Join(config.Dir(), "config.yaml")+")")
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		cfg, err := loadConfig()
		if err != nil {
			return err
		}
		// The file's GeoIP database applies unless QUARRY_GEOIP_DB (or
		// --geoip, which sets it later) names another.
		if cfg.GeoIP != "" && os.Getenv(store.EnvGeoIP) == "" {
			return os.Setenv(store.EnvGeoIP, cfg.GeoIP)
		}
		return nil
	}
}

// loadConfig reads --config, QUARRY_CONFIG or the default config.yaml.
func loadConfig() (*config.File, error) { return config.Load(configPath) }

// llmConfig is the LLM enricher's configuration: config.yaml's llm
// section, overridden by the QUARRY_LLM_* variables.
func llmConfig() (enrich.Config, error) {
	f, err := loadConfig()
	if err != nil {
		return enrich.Config{}, err
	}
	return enrich.Config{Endpoint: f.LLM.Endpoint, Model: f.LLM.Model, APIKey: f.LLM.Key()}.WithEnv(), nil
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
