package enrich

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quarry-kql/quarry/attack"
	"github.com/quarry-kql/quarry/internal/testenv"
	"github.com/quarry-kql/quarry/rules"
	"github.com/quarry-kql/quarry/store"
)

var now = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

func attackData(t *testing.T) *attack.Data {
	d, err := attack.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func mailflow(t *testing.T) *rules.Rule {
	dir := testenv.Shared(t, "corpus", "sentinel-email")
	res, err := rules.LoadDir(dir, rules.LoadOptions{Source: rules.Source{Repo: "Azure/Azure-Sentinel", Commit: "0ad0c9ca9695195e8b2425fe155e0d81ac264a9e"},
		PathPrefix: "Hunting Queries/Microsoft 365 Defender/Email and Collaboration Queries/Mailflow", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	r, err := rules.Find(res.Rules, "Mailflow by directionality")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestDeterministic(t *testing.T) {
	r := mailflow(t)
	d := &Deterministic{Attack: attackData(t), Now: now}
	e, err := d.Enrich(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	if e.AI() || e.Notice != GeneratedNotice || e.Generator != "deterministic" || e.RuleID != r.ID || e.Version != "1.0.0" {
		t.Errorf("labels: %+v", e)
	}
	for _, want := range []string{
		"If an adversary is using Phishing (T1566) for Initial Access against this organisation",
		"traces in EmailEvents that this query brings out over the last 30d.",
		"The rule's own description: This query helps reviewing inbound / outbound / intra-org emails by domain per day.",
		"As a hunting query",
	} {
		if !strings.Contains(e.Hypothesis, want) {
			t.Errorf("hypothesis lacks %q:\n%s", want, e.Hypothesis)
		}
	}
	if !strings.Contains(e.FalsePositives, "The query aggregates") || !strings.Contains(e.FalsePositives, "Attack simulation training") {
		t.Errorf("false positives:\n%s", e.FalsePositives)
	}
	again, _ := d.Enrich(context.Background(), r)
	if again.Hypothesis != e.Hypothesis || again.FalsePositives != e.FalsePositives {
		t.Error("deterministic enricher is not deterministic")
	}
	// An analytic rule mentions its trigger.
	n := 0
	a := &rules.Rule{ID: "a", Name: "a", Kind: "Scheduled", QueryFrequency: "1h", TriggerOperator: "gt", TriggerThreshold: &n, Query: "EmailEvents | where Timestamp > ago(1h)"}
	ea, _ := d.Enrich(context.Background(), a)
	if !strings.Contains(ea.Hypothesis, "a number of rows greater than 0, checked every 1h") || !strings.Contains(ea.FalsePositives, "The window is short (1h)") {
		t.Errorf("analytic: %s\n%s", ea.Hypothesis, ea.FalsePositives)
	}
}

type stub struct {
	calls   atomic.Int32
	status  int
	content string
	last    chatRequest
	auth    string
	path    string
}

func (s *stub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.calls.Add(1)
	s.path = r.URL.Path
	s.auth = r.Header.Get("Authorization")
	body, _ := io.ReadAll(r.Body)
	json.Unmarshal(body, &s.last)
	if s.status != 0 && s.status != 200 {
		w.WriteHeader(s.status)
		w.Write([]byte(`{"error":{"message":"model not found"}}`))
		return
	}
	json.NewEncoder(w).Encode(map[string]any{
		"id": "chatcmpl-1", "object": "chat.completion",
		"choices": []any{map[string]any{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": s.content}}},
	})
}

func TestLLMEnricher(t *testing.T) {
	st, err := store.Open(":memory:", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	cache, err := NewStoreCache(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	s := &stub{content: "```json\n{\"hypothesis\": \"Phishers send mail from look-alike domains.\", \"false_positives\": [\"Newsletters\", \"- Simulation campaigns\"], \"confidence\": \"Medium\"}\n```"}
	srv := httptest.NewServer(s)
	defer srv.Close()
	if _, err := NewLLM(Config{}, nil, nil); err == nil || !strings.Contains(err.Error(), EnvEndpoint) {
		t.Errorf("disabled config: %v", err)
	}
	l, err := NewLLM(Config{Endpoint: srv.URL + "/v1/", Model: "tiny-model", APIKey: "sk-test"}, attackData(t), cache)
	if err != nil {
		t.Fatal(err)
	}
	l.Now = func() time.Time { return now }
	r := mailflow(t)
	e, err := l.Enrich(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if e.Notice != "enriched with AI — validate before production" || !e.AI() || e.Generator != "llm:tiny-model" || e.Confidence != "medium" ||
		e.Hypothesis != "Phishers send mail from look-alike domains." || e.FalsePositives != "- Newsletters\n- Simulation campaigns" || e.Cached {
		t.Errorf("enrichment: %+v", e)
	}
	if s.path != "/v1/chat/completions" || s.auth != "Bearer sk-test" || s.last.Model != "tiny-model" || len(s.last.Messages) != 2 ||
		!strings.Contains(s.last.Messages[1].Content, "Name: Mailflow by directionality") ||
		!strings.Contains(s.last.Messages[1].Content, "Technique T1566 Phishing") ||
		!strings.Contains(s.last.Messages[1].Content, "summarize total=count() by EmailDirection") {
		t.Errorf("request: path %s auth %q %+v", s.path, s.auth, s.last)
	}
	// Cached per rule id and version: no second call.
	e2, err := l.Enrich(ctx, r)
	if err != nil || !e2.Cached || e2.Hypothesis != e.Hypothesis || s.calls.Load() != 1 {
		t.Errorf("cache: %v cached=%v calls=%d", err, e2 != nil && e2.Cached, s.calls.Load())
	}
	// A new version of the rule is enriched again.
	r2 := *r
	r2.Version = "1.0.1"
	if _, err := l.Enrich(ctx, &r2); err != nil || s.calls.Load() != 2 {
		t.Errorf("new version: %v calls=%d", err, s.calls.Load())
	}
	// Errors: HTTP status, non-JSON answers, missing fields. Nothing is cached.
	r3 := *r
	r3.ID = "other"
	s.status = 404
	if _, err := l.Enrich(ctx, &r3); err == nil || !strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), "model not found") {
		t.Errorf("404: %v", err)
	}
	s.status = 200
	s.content = "Sure! Here is the hypothesis: ..."
	if _, err := l.Enrich(ctx, &r3); err == nil || !strings.Contains(err.Error(), "not the JSON object") {
		t.Errorf("prose: %v", err)
	}
	s.content = `{"hypothesis": "x"}`
	if _, err := l.Enrich(ctx, &r3); err == nil || !strings.Contains(err.Error(), "lacks") {
		t.Errorf("missing fields: %v", err)
	}
	if _, ok, _ := cache.Get(ctx, "other", r.Version, "tiny-model"); ok {
		t.Error("a failed enrichment was cached")
	}
}

func TestPage(t *testing.T) {
	r := mailflow(t)
	data := attackData(t)
	e, _ := (&Deterministic{Attack: data, Now: now}).Enrich(context.Background(), r)
	p := &Page{Rule: r, Enrichment: e, Attack: data, Status: &rules.Status{Runnable: true, Compiles: true, Tables: []string{"EmailEvents"}, Period: "30d", Rows: map[string]int64{"EmailEvents": 1234}}}
	var badges []string
	for _, b := range p.Badges() {
		badges = append(badges, b.Kind+":"+b.Label)
	}
	if got := strings.Join(badges, " "); got != "language:kql source:Azure-Sentinel technique:T1566 table:EmailEvents tag:hunting tag:microsoft tag:official" {
		t.Errorf("badges: %s", got)
	}
	var buf bytes.Buffer
	if err := p.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	order := []string{
		"Mailflow by directionality\n",
		"[kql] [Azure-Sentinel] [T1566] [EmailEvents] [hunting] [microsoft] [official]",
		"ID: 6b478186-da3b-4d71-beaa-aa5b42908499 · version 1.0.0",
		"Retrieved: 2026-11-01T00:00:00Z · commit fe2521b0d95e",
		"Runnable on this store: yes (data in the last 30d)",
		"## Hunt Hypothesis",
		"(" + GeneratedNotice + ")",
		"## KQL Query",
		"    | summarize total=count() by EmailDirection, domain, bin(Timestamp, 1d)",
		"## Analytic Rule Definition",
		"    requiredDataConnectors:",
		"## Required Data Sources",
		"- EmailEvents — connector MicrosoftThreatProtection; 1234 rows in the last 30d",
		"## MITRE ATT&CK",
		"- Tactic TA0001 Initial Access",
		"- Technique T1566 Phishing",
		"## References",
		"- https://attack.mitre.org/techniques/T1566",
		"## False Positive Guidance",
		"View original rule: https://github.com/Azure/Azure-Sentinel/blob/fe2521b0d95eaeba390140228667a9220fea23a7/Hunting%20Queries/Microsoft%20365%20Defender/Email%20and%20Collaboration%20Queries/Mailflow/Mailflow%20by%20directionality.yaml",
	}
	pos := 0
	for _, want := range order {
		i := strings.Index(out[pos:], want)
		if i < 0 {
			t.Fatalf("page lacks %q after offset %d:\n%s", want, pos, out)
		}
		pos += i + len(want)
	}
	if strings.Contains(out, AINotice) {
		t.Error("deterministic page carries the AI notice")
	}
	p.Enrichment = &Enrichment{Hypothesis: "h", FalsePositives: "- f", Generator: "llm:m", Notice: AINotice, Confidence: "high"}
	p.Status = &rules.Status{Tables: []string{"EmailEvents"}, Reasons: []string{"table EmailEvents is not in the store"}}
	buf.Reset()
	p.WriteText(&buf)
	for _, want := range []string{"! This rule was enriched with AI — validate before production.", "Confidence: high", "Runnable on this store: no\n  - table EmailEvents is not in the store", "- EmailEvents — connector MicrosoftThreatProtection; is not in the store"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("AI page lacks %q:\n%s", want, buf.String())
		}
	}
}
