package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/quarry-kql/quarry/config"
	"github.com/quarry-kql/quarry/ingest"
	"github.com/quarry-kql/quarry/ingest/org"
	"github.com/quarry-kql/quarry/store"
)

// ingest flags
var (
	ingSource  string
	ingOrg     string
	ingYear    int
	ingTZ      string
	ingRejects string
	ingBatch   int
	ingFollow  bool
	ingPoll    time.Duration
	ingNoBar   bool
	ingTrace   bool
)

var ingestCmd = &cobra.Command{
	Use:   "ingest [--source NAME] [--org FILE] FILE…|DIR",
	Short: "Load mail telemetry (Defender exports, Exchange and Postfix logs) into the email tables",
	Long: `Load mail telemetry into EmailEvents, EmailAttachmentInfo, EmailUrlInfo,
EmailPostDeliveryEvents and UrlClickEvents, so that email hunts run on it
unmodified.

Sources (detected from each file's first bytes unless --source is given):
  defender-stream    Defender XDR Streaming API JSON (Event Hub or Storage form)
  defender-csv       Advanced Hunting CSV export
  exchange-tracking  Exchange Server message tracking logs (MSGTRK*.LOG)
  exo-trace          Exchange Online message trace export (CSV)
  postfix            Postfix syslog lines

EmailDirection for the log sources is decided from the organisation file
(--org; default: the org setting of quarry's config.yaml, else
` + filepath.Join(config.Dir(), "org.yaml") + ` when it exists); see ingest/README.md.
Records that cannot be loaded go to a rejects file with file:line and a
reason. Re-running on the same files loads nothing twice; an interrupted
run resumes where its last committed batch ended.`,
	Args: func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return errors.New("give at least one file or directory")
		}
		return nil
	},
	RunE: runIngest,
}

func init() {
	f := ingestCmd.Flags()
	f.StringVar(&ingSource, "source", "", "force the format: defender-stream, defender-csv, exchange-tracking, exo-trace, postfix")
	f.StringVar(&ingOrg, "org", "", "organisation file (YAML: accepted_domains, internal_networks, relay_hosts)")
	f.IntVar(&ingYear, "year", 0, "year for syslog timestamps without one (default: this year)")
	f.StringVar(&ingTZ, "tz", "UTC", "time zone for syslog timestamps without one (IANA name)")
	f.StringVar(&ingRejects, "rejects", "rejects", "directory for rejects files")
	f.IntVar(&ingBatch, "batch", ingest.DefaultBatchSize, "rows per transaction")
	f.BoolVar(&ingFollow, "follow", false, "keep reading a growing Postfix log (one file), surviving rotation, until interrupted")
	f.DurationVar(&ingPoll, "poll", 500*time.Millisecond, "how often --follow looks for new lines")
	f.BoolVar(&ingNoBar, "no-progress", false, "no progress bar even on a terminal")
	f.BoolVar(&ingTrace, "trace-commits", false, "print a line on stderr after every committed batch")
	f.MarkHidden("trace-commits")
	root.AddCommand(ingestCmd)
}

func runIngest(cmd *cobra.Command, args []string) error {
	opt := ingest.Options{Source: ingSource, Year: ingYear, RejectsDir: ingRejects, BatchSize: ingBatch,
		Follow: ingFollow, Poll: ingPoll}
	loc, err := time.LoadLocation(ingTZ)
	if err != nil {
		return fmt.Errorf("--tz: %w", err)
	}
	opt.Loc = loc
	if ingTrace {
		errw := cmd.ErrOrStderr()
		opt.OnCommit = func(path string, rows int64) { fmt.Fprintf(errw, "committed %s %d\n", path, rows) }
	}
	orgFile := ingOrg
	if orgFile == "" {
		cfg, err := loadConfig()
		if err != nil {
			return err
		}
		orgFile = cfg.OrgFile()
	}
	if orgFile != "" {
		o, err := org.Load(orgFile)
		if err != nil {
			return err
		}
		opt.Org = o
	} else {
		fmt.Fprintln(cmd.ErrOrStderr(), "quarry ingest: no organisation file (--org); log sources will give Inbound or Unknown directions only")
	}
	if fi, err := os.Stderr.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 && !ingNoBar {
		opt.Progress = os.Stderr
	}
	st, err := store.Open(databasePath(), store.Options{MemoryLimit: ingest.DuckDBMemoryLimit})
	if err != nil {
		return err
	}
	defer st.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	results, err := ingest.Run(ctx, st, args, opt)
	out := cmd.OutOrStdout()
	for _, r := range results {
		fmt.Fprintln(out, r.Summary())
	}
	if err != nil {
		return err
	}
	return nil
}
