package ingest

import (
	"context"
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	for _, c := range []struct{ head, want string }{
		{`{"records":[{"time":"2026-11-01T00:00:00Z","category":"AdvancedHunting-EmailEvents"}]}`, SourceDefenderStream},
		{"\xef\xbb\xbf  {\"time\":\"x\",\"category\":\"AdvancedHunting-EmailEvents\"}\n", SourceDefenderStream},
		{"#Software: Microsoft Exchange Server\r\n#Version: 15.0\r\n", SourceExchangeTracking},
		{"\xef\xbb\xbf#Fields: date-time,client-ip\r\n", SourceExchangeTracking},
		{`"origin_timestamp_utc","sender_address","recipient_status"` + "\r\n", SourceEXOTrace},
		{"Timestamp,NetworkMessageId,RecipientEmailAddress,EmailDirection\r\n", SourceDefenderCSV},
		{"\"Timestamp\",\"Url\",\"ActionType\",\"AccountUpn\"\n", SourceDefenderCSV},
		{"Nov  1 08:00:00 mx1 kernel: x\nNov  1 08:00:01 mx1 postfix/qmgr[2]: ABC: removed\n", SourcePostfix},
		{"2026-11-01T08:00:00+00:00 mx1 postfix-out/smtp[2]: ABC: to=<a@b>\n", SourcePostfix},
		{"Timestamp,Foo,Bar\n", ""},
		{"hello world\n", ""},
		{"", ""},
	} {
		if got := Detect([]byte(c.head)); got != c.want {
			t.Errorf("Detect(%q) = %q, want %q", strings.TrimSpace(c.head), got, c.want)
		}
	}
}

func TestSummaryWording(t *testing.T) {
	r := Result{Path: "maillog", Source: "postfix", Records: 1204331, Loaded: 1204302, Rejected: 29,
		RejectsPath: "rejects/maillog.x.rejects", Skipped: 1, Rows: map[string]int64{"EmailEvents": 1000000}}
	want := "maillog (postfix): 1,204,331 records: 1,204,302 loaded, 29 rejected → rejects/maillog.x.rejects; 1 line skipped (not postfix records); 1,000,000 rows written (EmailEvents 1,000,000)"
	if got := r.Summary(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// A table of the same name with other columns is refused with a clear
// error instead of failing inside the appender.
func TestExistingTableWithOtherColumns(t *testing.T) {
	st := openStore(t, ":memory:")
	if _, err := st.DB.Exec(`CREATE TABLE "EmailEvents" ("Timestamp" TIMESTAMP, "Subject" VARCHAR)`); err != nil {
		t.Fatal(err)
	}
	_, err := Run(context.Background(), st, []string{"testdata/defender/storage.json"}, Options{RejectsDir: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "table EmailEvents exists with other columns") {
		t.Fatalf("error %v", err)
	}
}
