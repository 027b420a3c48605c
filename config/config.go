// Package config reads quarry's configuration file: the settings that
// belong to the user or the installation rather than to one command — the
// LLM enricher's endpoint, model and key, the GeoIP database, and the
// organisation file that decides email direction. The file is YAML,
// config.yaml in quarry's configuration directory ($XDG_CONFIG_HOME/quarry
// or ~/.config/quarry), or the file named by QUARRY_CONFIG or --config.
// Environment variables override the file and flags override both; the
// callers apply that order.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"
)

// EnvConfig names the configuration file, instead of the default.
const EnvConfig = "QUARRY_CONFIG"

// File is the content of config.yaml. Paths in it are taken relative to
// the file's directory.
type File struct {
	LLM   LLM    `yaml:"llm"`
	GeoIP string `yaml:"geoip"` // MaxMind-format database for geo_info_from_ip_address
	Org   string `yaml:"org"`   // organisation file for quarry ingest (default: org.yaml next to config.yaml)

	// Path is the file this was read from, "" when there was none.
	Path string `yaml:"-"`
}

// LLM configures the optional LLM enricher (an OpenAI-compatible chat API).
type LLM struct {
	Endpoint string `yaml:"endpoint"` // e.g. http://localhost:11434/v1
	Model    string `yaml:"model"`
	// APIKeyEnv names the environment variable holding the key (the safer
	// choice); APIKey holds the key itself, and is only accepted when the
	// file is readable by its owner alone.
	APIKeyEnv string `yaml:"api_key_env"`
	APIKey    string `yaml:"api_key"`
}

// Key returns the API key: APIKey, else the variable APIKeyEnv names.
func (l LLM) Key() string {
	if l.APIKey != "" || l.APIKeyEnv == "" {
		return l.APIKey
	}
	return os.Getenv(l.APIKeyEnv)
}

// Dir is quarry's configuration directory: $XDG_CONFIG_HOME/quarry, else
// ~/.config/quarry; "" when neither can be found.
func Dir() string {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "quarry")
}

// DefaultPath is the file Load reads when given no path: $QUARRY_CONFIG,
// else config.yaml in Dir.
func DefaultPath() string {
	if p := os.Getenv(EnvConfig); p != "" {
		return p
	}
	if d := Dir(); d != "" {
		return filepath.Join(d, "config.yaml")
	}
	return ""
}

// Load reads the configuration file at path, or at DefaultPath when path
// is "". A missing file is an error only when it was named (by path or
// QUARRY_CONFIG); otherwise it gives an empty configuration. Unknown keys
// are errors that name the file and line, so that a misspelt setting is
// never silently ignored.
func Load(path string) (*File, error) {
	named := path != "" || os.Getenv(EnvConfig) != ""
	if path == "" {
		path = DefaultPath()
	}
	f := &File{}
	if path == "" {
		return f, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && !named {
		return f, nil
	}
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(f); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("config: %s: %s", path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	f.Path = path
	if f.LLM.APIKey != "" {
		if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
			return nil, fmt.Errorf("config: %s holds llm.api_key but is readable by others (mode %v): chmod 600 it, or use llm.api_key_env", path, fi.Mode().Perm())
		}
	}
	dir := filepath.Dir(path)
	for _, p := range []*string{&f.GeoIP, &f.Org} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	return f, nil
}

// OrgFile is the organisation file to use when --org is not given: the
// file's org setting, else org.yaml in Dir when it exists; "" for none.
func (f *File) OrgFile() string {
	if f.Org != "" {
		return f.Org
	}
	if d := Dir(); d != "" {
		p := filepath.Join(d, "org.yaml")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}
