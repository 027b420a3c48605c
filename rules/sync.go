package rules

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// DefaultRuleFolders are the folders a git sync checks out when none are
// given: where Azure-Sentinel keeps hunting queries and analytic rules
// (also inside each solution). Patterns follow git's sparse-checkout
// (non-cone) syntax, relative to the repository root.
var DefaultRuleFolders = []string{
	"Hunting Queries",
	"Detections",
	"Solutions/*/Hunting Queries",
	"Solutions/*/Analytic Rules",
}

// SyncOptions tune Sync.
type SyncOptions struct {
	// Folders restrict a git checkout to these folders (sparse-checkout
	// patterns); nil means DefaultRuleFolders. For a local directory they
	// are ignored: the whole tree is loaded.
	Folders []string
	// Ref is the branch or tag to clone; empty means the remote's default.
	Ref string
	// KeepDir, when set, is where the clone is made and kept; otherwise a
	// temporary directory is used and removed.
	KeepDir string
	// Git is the git binary; empty means "git" on PATH.
	Git string
	// Now is the retrieved-at time; zero means time.Now().
	Now time.Time
}

// IsGitURL reports whether source names a remote repository rather than a
// local directory: a URL (https://, ssh://, git://, file://) or scp-like
// git@host:path.
func IsGitURL(source string) bool {
	for _, p := range []string{"https://", "http://", "ssh://", "git://", "file://"} {
		if strings.HasPrefix(source, p) {
			return true
		}
	}
	return strings.HasPrefix(source, "git@") && strings.Contains(source, ":")
}

// Sync loads the rules of source: a local directory (a clone of
// Azure-Sentinel, a folder of Markdown queries) or a git URL, which is
// cloned shallowly (depth 1, blobs fetched on demand) with a sparse
// checkout of only the rule folders. Every rule records the repository,
// its path in it, the commit and the retrieved-at time. The returned name
// identifies the source in the catalog: "owner/name" for GitHub, else the
// URL or the absolute directory.
func Sync(ctx context.Context, source string, opt SyncOptions) (res *LoadResult, name string, err error) {
	if opt.Now.IsZero() {
		opt.Now = time.Now().UTC()
	}
	if opt.Git == "" {
		opt.Git = "git"
	}
	if IsGitURL(source) {
		return syncGit(ctx, source, opt)
	}
	dir, err := filepath.Abs(source)
	if err != nil {
		return nil, "", fmt.Errorf("rules: %w", err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, "", fmt.Errorf("rules: %w", err)
	}
	if !fi.IsDir() {
		return nil, "", fmt.Errorf("rules: %s is not a directory or a git URL", source)
	}
	src := Source{Repo: dir}
	prefix := ""
	// A directory inside a git work tree records that repository's
	// origin and commit, and paths relative to its root.
	if top, err := git(ctx, opt.Git, dir, "rev-parse", "--show-toplevel"); err == nil {
		if rel, err := filepath.Rel(top, dir); err == nil && rel != "." {
			prefix = filepath.ToSlash(rel)
		}
		if c, err := git(ctx, opt.Git, dir, "rev-parse", "HEAD"); err == nil {
			src.Commit = c
		}
		if origin, err := git(ctx, opt.Git, dir, "config", "--get", "remote.origin.url"); err == nil && origin != "" {
			src.Repo = repoName(origin)
		} else {
			src.Repo = top
		}
	}
	res, err = LoadDir(dir, LoadOptions{Source: src, PathPrefix: prefix, Now: opt.Now})
	if err != nil {
		return nil, "", err
	}
	return res, src.Repo, nil
}

func repoName(url string) string {
	if r := GitHubRepo(url); r != "" {
		return r
	}
	return url
}

func syncGit(ctx context.Context, url string, opt SyncOptions) (*LoadResult, string, error) {
	dir := opt.KeepDir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "quarry-rules-*")
		if err != nil {
			return nil, "", fmt.Errorf("rules: %w", err)
		}
		defer os.RemoveAll(tmp)
		dir = filepath.Join(tmp, "repo")
	} else if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return nil, "", fmt.Errorf("rules: %s is not empty; give an empty or new directory to keep the clone in", dir)
	}
	folders := opt.Folders
	if len(folders) == 0 {
		folders = DefaultRuleFolders
	}
	args := []string{"clone", "--depth", "1", "--filter=blob:none", "--no-checkout", "--quiet"}
	if opt.Ref != "" {
		args = append(args, "--branch", opt.Ref)
	}
	args = append(args, "--", url, dir)
	if _, err := git(ctx, opt.Git, "", args...); err != nil {
		return nil, "", fmt.Errorf("rules: clone %s: %w", url, err)
	}
	patterns := make([]string, len(folders))
	for i, f := range folders {
		patterns[i] = "/" + strings.Trim(filepath.ToSlash(f), "/") + "/"
	}
	if _, err := git(ctx, opt.Git, dir, append([]string{"sparse-checkout", "set", "--no-cone", "--"}, patterns...)...); err != nil {
		return nil, "", fmt.Errorf("rules: sparse checkout: %w", err)
	}
	if _, err := git(ctx, opt.Git, dir, "checkout", "--quiet"); err != nil {
		return nil, "", fmt.Errorf("rules: checkout: %w", err)
	}
	commit, err := git(ctx, opt.Git, dir, "rev-parse", "HEAD")
	if err != nil {
		return nil, "", fmt.Errorf("rules: %w", err)
	}
	name := repoName(url)
	res, err := LoadDir(dir, LoadOptions{Source: Source{Repo: name, Commit: commit}, Now: opt.Now})
	if err != nil {
		return nil, "", err
	}
	if res.Files == 0 {
		return nil, "", fmt.Errorf("rules: no rule files (YAML or Markdown) in %s under %s; choose the folders with --path", url, strings.Join(folders, ", "))
	}
	return res, name, nil
}

// git runs the git binary in dir and returns its trimmed standard output;
// the error carries git's standard error.
func git(ctx context.Context, bin, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	if dir != "" {
		cmd.Dir = dir
	}
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(errb.String())
		if msg == "" {
			msg = err.Error()
		}
		return "", fmt.Errorf("git %s: %s", args[0], msg)
	}
	return strings.TrimSpace(out.String()), nil
}
