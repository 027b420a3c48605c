package enrich

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/quarry-kql/quarry/attack"
	"github.com/quarry-kql/quarry/rules"
	"github.com/quarry-kql/quarry/store"
)

// Environment variables that configure the LLM enricher.
const (
	EnvEndpoint = "QUARRY_LLM_ENDPOINT" // base URL of an OpenAI-compatible API, e.g. http://localhost:11434/v1
	EnvModel    = "QUARRY_LLM_MODEL"
	EnvAPIKey   = "QUARRY_LLM_API_KEY"
)

// Config configures the LLM enricher. It is off unless Endpoint and Model
// are set.
type Config struct {
	Endpoint string // base URL; "/chat/completions" is appended
	Model    string
	APIKey   string // sent as "Authorization: Bearer ..." when set
	Timeout  time.Duration
}

// WithEnv returns c with each setting replaced by QUARRY_LLM_ENDPOINT,
// QUARRY_LLM_MODEL or QUARRY_LLM_API_KEY when that variable is set: the
// environment overrides quarry's configuration file.
func (c Config) WithEnv() Config {
	for _, s := range []struct {
		env string
		p   *string
	}{{EnvEndpoint, &c.Endpoint}, {EnvModel, &c.Model}, {EnvAPIKey, &c.APIKey}} {
		if v := os.Getenv(s.env); v != "" {
			*s.p = v
		}
	}
	return c
}

// Enabled reports whether the configuration names an endpoint and model.
func (c Config) Enabled() bool { return c.Endpoint != "" && c.Model != "" }

// Cache keeps LLM enrichments per rule id, rule version and model.
type Cache interface {
	Get(ctx context.Context, ruleID, version, model string) (*Enrichment, bool, error)
	Put(ctx context.Context, ruleID, version, model string, e *Enrichment) error
}

// LLM enriches rules through an OpenAI-compatible chat completions API.
type LLM struct {
	Config Config
	Attack *attack.Data
	Cache  Cache // nil: no caching
	Client *http.Client
	Now    func() time.Time
}

// NewLLM returns an LLM enricher, or an error when cfg is not enabled.
func NewLLM(cfg Config, data *attack.Data, cache Cache) (*LLM, error) {
	if !cfg.Enabled() {
		return nil, fmt.Errorf("the LLM enricher is off: set llm.endpoint and llm.model in quarry's config.yaml, or %s and %s (and a key: llm.api_key_env or %s, if the API needs one)", EnvEndpoint, EnvModel, EnvAPIKey)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 2 * time.Minute
	}
	return &LLM{Config: cfg, Attack: data, Cache: cache, Client: &http.Client{Timeout: cfg.Timeout}}, nil
}

const systemPrompt = `You help security analysts use detection rules. For the Microsoft Sentinel / Defender XDR rule given, write:
- "hypothesis": the hunt hypothesis the rule tests (2-4 sentences: what adversary behaviour, why it would show in these tables),
- "false_positives": false positive guidance as a few "- " bullet lines (benign causes of hits and how to tell them apart),
- "confidence": "low", "medium" or "high", your confidence in the above.
Answer with one JSON object with exactly these keys and nothing else.`

type chatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type chatRequest struct {
	Model          string            `json:"model"`
	Messages       []chatMessage     `json:"messages"`
	Temperature    float64           `json:"temperature"`
	ResponseFormat map[string]string `json:"response_format,omitempty"`
}

type chatResponse struct {
	Choices []struct {
		Message chatMessage `json:"message"`
	} `json:"choices"`
	Error *struct {
		Message string `json:"message"`
	} `json:"error"`
}

// Prompt returns the user message sent for r.
func (l *LLM) Prompt(r *rules.Rule) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Name: %s\n", r.Name)
	if d := firstNonEmpty(r.DescriptionDetailed, r.Description); d != "" {
		fmt.Fprintf(&b, "Description: %s\n", strings.TrimSpace(d))
	}
	fmt.Fprintf(&b, "Type: %s rule\n", r.Type())
	if r.Severity != "" {
		fmt.Fprintf(&b, "Severity: %s\n", r.Severity)
	}
	if ts := r.DeclaredTables(); len(ts) > 0 {
		fmt.Fprintf(&b, "Tables: %s\n", strings.Join(ts, ", "))
	}
	if len(r.Tactics) > 0 {
		fmt.Fprintf(&b, "Tactics: %s\n", strings.Join(tacticNames(l.Attack, r), ", "))
	}
	for _, id := range r.Techniques {
		if l.Attack != nil {
			if t, ok := l.Attack.Technique(id); ok {
				fmt.Fprintf(&b, "Technique %s %s: %s\n", t.ID, t.Name, firstSentence(t.Description))
				continue
			}
		}
		fmt.Fprintf(&b, "Technique %s\n", id)
	}
	fmt.Fprintf(&b, "Query (KQL):\n%s\n", strings.TrimSpace(r.Query))
	return b.String()
}

// Enrich implements Enricher: from the cache when the rule's id, version
// and the model match a cached answer, else by one chat completion call.
func (l *LLM) Enrich(ctx context.Context, r *rules.Rule) (*Enrichment, error) {
	if l.Cache != nil {
		if e, ok, err := l.Cache.Get(ctx, r.ID, r.Version, l.Config.Model); err != nil {
			return nil, err
		} else if ok {
			e.Cached = true
			return e, nil
		}
	}
	body, _ := json.Marshal(chatRequest{
		Model: l.Config.Model,
		Messages: []chatMessage{
			{Role: "system", Content: systemPrompt},
			{Role: "user", Content: l.Prompt(r)},
		},
		ResponseFormat: map[string]string{"type": "json_object"},
	})
	url := strings.TrimRight(l.Config.Endpoint, "/") + "/chat/completions"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("enrich: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if l.Config.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+l.Config.APIKey)
	}
	client := l.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("enrich: LLM request: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, fmt.Errorf("enrich: LLM response: %w", err)
	}
	var cr chatResponse
	jerr := json.Unmarshal(raw, &cr)
	if resp.StatusCode != http.StatusOK {
		msg := strings.TrimSpace(string(raw))
		if jerr == nil && cr.Error != nil {
			msg = cr.Error.Message
		}
		if len(msg) > 300 {
			msg = msg[:300] + "…"
		}
		return nil, fmt.Errorf("enrich: LLM endpoint %s answered %s: %s", url, resp.Status, msg)
	}
	if jerr != nil || len(cr.Choices) == 0 {
		return nil, fmt.Errorf("enrich: LLM endpoint %s did not answer with a chat completion", url)
	}
	var out struct {
		Hypothesis     string `json:"hypothesis"`
		FalsePositives any    `json:"false_positives"`
		Confidence     string `json:"confidence"`
	}
	content := stripFence(cr.Choices[0].Message.Content)
	if err := json.Unmarshal([]byte(content), &out); err != nil {
		return nil, fmt.Errorf("enrich: the model's answer is not the JSON object asked for: %.200q", content)
	}
	fp := textOrList(out.FalsePositives)
	if strings.TrimSpace(out.Hypothesis) == "" || fp == "" {
		return nil, errors.New("enrich: the model's answer lacks hypothesis or false_positives")
	}
	now := time.Now().UTC()
	if l.Now != nil {
		now = l.Now()
	}
	e := &Enrichment{
		RuleID:         r.ID,
		Version:        r.Version,
		Hypothesis:     strings.TrimSpace(out.Hypothesis),
		FalsePositives: fp,
		Generator:      "llm:" + l.Config.Model,
		Notice:         AINotice,
		Confidence:     strings.ToLower(strings.TrimSpace(out.Confidence)),
		CreatedAt:      now,
	}
	if l.Cache != nil {
		if err := l.Cache.Put(ctx, r.ID, r.Version, l.Config.Model, e); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// stripFence removes a ```json ... ``` fence some models put around JSON.
func stripFence(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "```") {
		s = strings.TrimPrefix(s, "```")
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			s = s[i+1:]
		}
		s = strings.TrimSuffix(strings.TrimSpace(s), "```")
	}
	return strings.TrimSpace(s)
}

// textOrList accepts false_positives as a string or a list of strings.
func textOrList(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case []any:
		var lines []string
		for _, it := range x {
			if s, ok := it.(string); ok && strings.TrimSpace(s) != "" {
				s = strings.TrimSpace(s)
				if !strings.HasPrefix(s, "- ") {
					s = "- " + s
				}
				lines = append(lines, s)
			}
		}
		return strings.Join(lines, "\n")
	}
	return ""
}

// StoreCache keeps enrichments in the store, table
// quarry_meta.enrichments.
type StoreCache struct {
	st     *store.Store
	absent bool // read-only and the table does not exist: every Get misses
}

// ReadStoreCache returns the cache of st for Get only: it creates
// nothing, so it works on a read-only handle.
func ReadStoreCache(ctx context.Context, st *store.Store) (*StoreCache, error) {
	ok, err := rules.HasMetaTable(ctx, st, "enrichments")
	if err != nil {
		return nil, fmt.Errorf("enrich: cache: %w", err)
	}
	return &StoreCache{st: st, absent: !ok}, nil
}

// NewStoreCache returns the cache of st, creating its table if needed.
func NewStoreCache(ctx context.Context, st *store.Store) (*StoreCache, error) {
	for _, s := range []string{
		"CREATE SCHEMA IF NOT EXISTS " + rules.MetaSchema,
		"CREATE TABLE IF NOT EXISTS " + rules.MetaSchema + `.enrichments (
			rule_id VARCHAR NOT NULL, version VARCHAR NOT NULL, model VARCHAR NOT NULL,
			doc VARCHAR NOT NULL, created_at TIMESTAMP, PRIMARY KEY (rule_id, version, model))`,
	} {
		if _, err := st.DB.ExecContext(ctx, s); err != nil {
			return nil, fmt.Errorf("enrich: cache: %w", err)
		}
	}
	return &StoreCache{st: st}, nil
}

// Get implements Cache.
func (c *StoreCache) Get(ctx context.Context, ruleID, version, model string) (*Enrichment, bool, error) {
	if c.absent {
		return nil, false, nil
	}
	var doc string
	err := c.st.DB.QueryRowContext(ctx, "SELECT doc FROM "+rules.MetaSchema+".enrichments WHERE rule_id = ? AND version = ? AND model = ?",
		ruleID, version, model).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("enrich: cache: %w", err)
	}
	var e Enrichment
	if err := json.Unmarshal([]byte(doc), &e); err != nil {
		return nil, false, nil // a corrupt entry is refetched
	}
	return &e, true, nil
}

// Put implements Cache.
func (c *StoreCache) Put(ctx context.Context, ruleID, version, model string, e *Enrichment) error {
	doc, _ := json.Marshal(e)
	_, err := c.st.DB.ExecContext(ctx, "INSERT OR REPLACE INTO "+rules.MetaSchema+".enrichments VALUES (?, ?, ?, ?, ?)",
		ruleID, version, model, string(doc), e.CreatedAt)
	if err != nil {
		return fmt.Errorf("enrich: cache: %w", err)
	}
	return nil
}
