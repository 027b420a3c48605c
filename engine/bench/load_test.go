package bench

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quarry-kql/quarry/store"
)

// EnvParquetRows turns on TestLoadParquetMemory with that many rows
// (QUARRY_BENCH_PARQUET_ROWS=10000000 is the case).
const EnvParquetRows = "QUARRY_BENCH_PARQUET_ROWS"

// peakRSS returns the process's peak resident set (VmHWM) in bytes.
func peakRSS(t testing.TB) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status")
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n << 10
		}
	}
	t.Skip("no VmHWM")
	return 0
}

// TestLoadParquetMemory writes an EmailEvents Parquet file of N rows
// (every column filled), loads it with store.Load into a fresh database
// file, and checks the process's peak memory stays at most 4 GB. The file
// is written by a separate DuckDB instance that is closed before loading,
// so the peak is the load's.
func TestLoadParquetMemory(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv(EnvParquetRows))
	if n <= 0 {
		t.Skip("set " + EnvParquetRows + "=10000000 to measure a Parquet load")
	}
	dir := t.TempDir()
	pq := filepath.Join(dir, "EmailEvents.parquet")
	{
		w, err := store.Open(":memory:", store.Options{MemoryLimit: "2GB"})
		if err != nil {
			t.Fatal(err)
		}
		w.DB.Exec("SET preserve_insertion_order=false")
		q := `COPY (SELECT TIMESTAMP '2026-10-01' + to_microseconds((i * 302400)::BIGINT) AS Timestamp,
			md5(i::VARCHAR) AS NetworkMessageId, '<' || md5((i*7)::VARCHAR) || '@mail.example>' AS InternetMessageId,
			'user' || (i % 5000) || '@sender' || (i % 300) || '.example' AS SenderMailFromAddress,
			'user' || (i % 5000) || '@sender' || (i % 300) || '.example' AS SenderFromAddress,
			'User ' || (i % 5000) AS SenderDisplayName, md5((i%5000)::VARCHAR) AS SenderObjectId,
			'sender' || (i % 300) || '.example' AS SenderMailFromDomain, 'sender' || (i % 300) || '.example' AS SenderFromDomain,
			'10.' || (i % 256) || '.' || (i // 256 % 256) || '.7' AS SenderIPv4, '' AS SenderIPv6,
			'rcpt' || (i % 20000) || '@' || (CASE i % 3 WHEN 0 THEN 'contoso.com' WHEN 1 THEN 'fabrikam.example' ELSE 'd' || (i % 997) || '.example' END) AS RecipientEmailAddress,
			md5((i%20000)::VARCHAR) AS RecipientObjectId, 'Subject number ' || (i % 100000) AS Subject,
			i % 1000003 AS EmailClusterId, (CASE i % 20 WHEN 0 THEN 'Intra-org' WHEN 1 THEN 'Outbound' WHEN 2 THEN 'Outbound' ELSE 'Inbound' END) AS EmailDirection,
			'Delivered' AS DeliveryAction, 'Inbox/folder' AS DeliveryLocation, '' AS ThreatTypes, '' AS ThreatNames,
			'' AS DetectionMethods, '' AS ConfidenceLevel, (i % 10)::INTEGER AS BulkComplaintLevel, '' AS EmailAction,
			'' AS EmailActionPolicy, '' AS EmailActionPolicyGuid, '{"SPF":"pass","DKIM":"pass"}' AS AuthenticationDetails,
			(i % 3)::INTEGER AS AttachmentCount, (i % 5)::INTEGER AS UrlCount, 'en' AS EmailLanguage, '' AS Connectors,
			'' AS OrgLevelAction, '' AS OrgLevelPolicy, '' AS UserLevelAction, '' AS UserLevelPolicy,
			md5((i*13)::VARCHAR) AS ReportId, '{}' AS AdditionalFields, 'Inbox' AS LatestDeliveryLocation, '' AS LatestDeliveryAction
			FROM range(` + strconv.Itoa(n) + `) t(i)) TO ` + store.QuoteString(pq) + ` (FORMAT parquet)`
		start := time.Now()
		if _, err := w.DB.Exec(q); err != nil {
			t.Fatal(err)
		}
		w.Close()
		fi, _ := os.Stat(pq)
		t.Logf("wrote %d rows to Parquet (%d MB) in %v", n, fi.Size()>>20, time.Since(start).Round(time.Millisecond))
	}
	// Reset the peak (Linux: "5" to clear_refs) so it measures the load.
	os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	before := peakRSS(t)
	st, err := store.Open(filepath.Join(dir, "load.duckdb"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	start := time.Now()
	stats, err := st.Load(context.Background(), "EmailEvents", []string{pq}, store.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	peak := peakRSS(t)
	t.Logf("loaded %d rows in %v; peak RSS %d MB (before the load %d MB)", stats.Rows, time.Since(start).Round(time.Millisecond), peak>>20, before>>20)
	if stats.Rows != int64(n) {
		t.Errorf("loaded %d rows, want %d", stats.Rows, n)
	}
	if peak > 4<<30 {
		t.Errorf("peak RSS %d MB > 4096 MB", peak>>20)
	}
}
