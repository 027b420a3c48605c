// Package webtest drives quarry's web application in headless Chromium
// for tests: it starts Debian's chromium with a fresh profile and nothing
// that reaches the network on its own, skips the test with a clear
// message when chromium is absent, and saves screenshots as test
// artifacts. Only tests import it.
package webtest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// ChromiumPath is Debian's chromium (packages chromium and
// chromium-driver); QUARRY_CHROMIUM overrides it.
func ChromiumPath() string {
	if p := os.Getenv("QUARRY_CHROMIUM"); p != "" {
		return p
	}
	return "/usr/bin/chromium"
}

// ArtifactsDir is where screenshots go: $QUARRY_ARTIFACTS/browser/<test
// name>, by default under the system's temporary directory
// (quarry-artifacts/browser/<test name>), kept after the test and named in
// its log. Each run overwrites the previous run's files.
func ArtifactsDir(t testing.TB) string {
	t.Helper()
	base := os.Getenv("QUARRY_ARTIFACTS")
	if base == "" {
		base = filepath.Join(os.TempDir(), "quarry-artifacts")
	}
	dir := filepath.Join(base, "browser", strings.ReplaceAll(t.Name(), "/", "_"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots go to %s", dir)
	return dir
}

// NewBrowser starts headless Chromium with a fresh profile and nothing
// that reaches the network on its own.
func NewBrowser(t testing.TB) (context.Context, context.CancelFunc) {
	t.Helper()
	exe := ChromiumPath()
	if _, err := os.Stat(exe); err != nil {
		t.Skipf("skipping: %s is absent (install Debian's chromium and chromium-driver: apt-get install -y chromium chromium-driver; scripts/test.sh does)", exe)
	}
	// a fresh profile, removed after the browser has exited (Chromium's
	// helpers may still be writing when it is killed, so retry)
	profile, err := os.MkdirTemp("", "quarry-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for i := 0; i < 20; i++ {
			if err := os.RemoveAll(profile); err == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("could not remove the Chromium profile %s", profile)
	})
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("mute-audio", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 1000),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	return ctx, func() {
		chromedp.Cancel(ctx) // closes the browser and waits for it
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	}
}

// Screenshot saves a full-page PNG of the current page as dir/name and
// names it in the test log.
func Screenshot(t testing.TB, ctx context.Context, dir, name string) {
	t.Helper()
	var png []byte
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Error(err)
		return
	}
	t.Logf("screenshot: %s", path)
}
