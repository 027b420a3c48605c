package attack

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
)

// EnterpriseURL is where MITRE publishes the Enterprise ATT&CK STIX 2.1
// bundle (the mitre-attack/attack-stix-data repository).
const EnterpriseURL = "https://raw.githubusercontent.com/mitre-attack/attack-stix-data/master/enterprise-attack/enterprise-attack.json"

// maxBundle bounds the download; the real bundle is about 45 MB.
const maxBundle = 512 << 20

// Update downloads the STIX bundle at url, compacts it and writes the
// snapshot to out (atomically, through a temporary file in the same
// directory). When rawOut is not empty the downloaded bundle is also kept
// there. It returns the new snapshot.
func Update(ctx context.Context, client *http.Client, url, out, rawOut string) (*Data, error) {
	if client == nil {
		client = http.DefaultClient
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("attack: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("attack: download: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("attack: download %s: %s", url, resp.Status)
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBundle+1))
	if err != nil {
		return nil, fmt.Errorf("attack: download %s: %w", url, err)
	}
	if len(raw) > maxBundle {
		return nil, fmt.Errorf("attack: download %s: larger than %d bytes", url, maxBundle)
	}
	d, err := ParseSTIX(bytes.NewReader(raw), filepath.Base(url))
	if err != nil {
		return nil, err
	}
	if rawOut != "" {
		if err := writeAtomic(rawOut, raw); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	if err := d.Write(&buf); err != nil {
		return nil, err
	}
	if err := writeAtomic(out, buf.Bytes()); err != nil {
		return nil, err
	}
	d.Origin = out
	return d, nil
}

func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("attack: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".attack-*")
	if err != nil {
		return fmt.Errorf("attack: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("attack: %w", err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("attack: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("attack: %w", err)
	}
	return nil
}
