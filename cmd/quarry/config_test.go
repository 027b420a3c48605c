package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quarry-kql/quarry/config"
	"github.com/quarry-kql/quarry/internal/testenv"
	"github.com/quarry-kql/quarry/store"
)

// TestMain keeps the tests away from the user's own configuration: the
// configuration directory is an empty temporary one.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "quarry-config")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_CONFIG_HOME", dir)
	os.Unsetenv(config.EnvConfig)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// TestConfigFile: config.yaml configures the LLM enricher and the GeoIP
// database; the environment overrides it; a broken file stops every
// command with its name and line.
func TestConfigFile(t *testing.T) {
	corpus := testenv.Shared(t, "corpus", "sentinel-email")
	var gotKey, gotModel string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Model string `json:"model"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		gotKey, gotModel = r.Header.Get("Authorization"), req.Model
		json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"message": map[string]any{"role": "assistant",
			"content": `{"hypothesis": "From the configured model.", "false_positives": "- none", "confidence": "medium"}`}}}})
	}))
	defer srv.Close()
	for _, v := range []string{"QUARRY_LLM_ENDPOINT", "QUARRY_LLM_MODEL", "QUARRY_LLM_API_KEY", store.EnvGeoIP} {
		t.Setenv(v, "")
	}
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte("llm:\n  endpoint: "+srv.URL+"/v1\n  model: from-file\n  api_key_env: TEST_QUARRY_KEY\n"), 0o644)
	t.Setenv("TEST_QUARRY_KEY", "secret")
	t.Setenv(config.EnvConfig, cfg)
	db := filepath.Join(dir, "q.duckdb")
	if _, _, err := runRulesCmd(t, db, "rules", "sync", "-q", corpus); err != nil {
		t.Fatal(err)
	}
	out, _, err := runRulesCmd(t, db, "rules", "show", "--llm", "Mailflow by directionality")
	if err != nil || !strings.Contains(out, "From the configured model.") || gotKey != "Bearer secret" || gotModel != "from-file" {
		t.Fatalf("show --llm from config.yaml: %v key %q model %q\n%s", err, gotKey, gotModel, out)
	}
	// The environment overrides the file (a new model: not cached).
	t.Setenv("QUARRY_LLM_MODEL", "from-env")
	if _, _, err := runRulesCmd(t, db, "rules", "show", "--llm", "Mailflow by directionality"); err != nil || gotModel != "from-env" {
		t.Errorf("QUARRY_LLM_MODEL does not override config.yaml: %v %q", err, gotModel)
	}
	// geoip in the file reaches the store: a missing database is reported.
	os.WriteFile(cfg, []byte("geoip: nowhere.mmdb\n"), 0o644)
	_, _, err = runRulesCmd(t, db, "query", "print 1")
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "nowhere.mmdb")) {
		t.Errorf("geoip from config.yaml: %v", err)
	}
	os.Setenv(store.EnvGeoIP, "") // PersistentPreRunE set it; t.Setenv restores at the end
	// --config names another file; a misspelt key is an error with its line.
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("llm:\n  modle: x\n"), 0o644)
	if _, _, err := runRulesCmd(t, db, "--config", bad, "tables"); err == nil || !strings.Contains(err.Error(), "bad.yaml") || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad config: %v", err)
	}
	configPath = ""
	// Flags keep their values between runs of root in one process.
	t.Setenv(config.EnvConfig, "")
	runRulesCmd(t, db, "rules", "show", "--llm=false", "Mailflow by directionality")
}
