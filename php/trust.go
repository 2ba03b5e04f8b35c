package php

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/buildpack/fetch"
	"github.com/kiln-dev/kiln/runtimes/repo"
)

// The runtime repository's trust. A signed repository (the default) has,
// in each repository directory (<base>/<stack>/), a manifest.json listing
// every archive with its SHA-256 and a manifest.json.sig that one of the
// public keys verifies; the build reads each manifest once and takes every
// checksum from it. An unsigned repository (KILN_RUNTIME_UNSIGNED=true, an
// operator's explicit choice) has a .sha256 next to each file instead,
// which protects against a broken download but not against a tampered
// repository.
//
// The public keys are KILN_RUNTIME_PUBLIC_KEY (base64, comma-separated),
// else the key embedded in the kiln binary at packaging time
// (Buildpack.RuntimeKeys). They, KILN_RUNTIME_UNSIGNED and
// KILN_EXTRA_VERSIONS are the operator's settings: ENV_DIR, which the app's
// owner fills, may not set them (buildpack.EnvDirDenied).

// Environment variables of the repository's trust.
const (
	envPublicKey = "KILN_RUNTIME_PUBLIC_KEY"
	envUnsigned  = "KILN_RUNTIME_UNSIGNED"
)

// manifestLimit caps the size of a manifest a build reads.
const manifestLimit = 8 << 20

// The sentences of the runtime_checksums setting.
const (
	signedPrefix = "from the signed manifest.json of each repository directory, its signature checked against "
	unsignedText = "unsigned (KILN_RUNTIME_UNSIGNED=true): from the .sha256 next to each file"
)

// unsignedWarning is the plan's warning in unsigned mode.
const unsignedWarning = "KILN_RUNTIME_UNSIGNED=true: the runtime repository's checksums come from the .sha256 files next to the archives, " +
	"which catch a broken download but not a tampered repository. Sign the repository (kiln runtimes index) and set KILN_RUNTIME_PUBLIC_KEY instead."

// runtimeKeys reads the public keys the repository's manifests must be
// signed with: KILN_RUNTIME_PUBLIC_KEY, else embedded. from says where
// they came from, for people; no key at all is not an error here.
func runtimeKeys(env buildpack.Env, embedded string) (keys []ed25519.PublicKey, from string, err error) {
	if v := strings.TrimSpace(env.Get(envPublicKey)); v != "" {
		keys, err := repo.ParsePublicKeys(v)
		if err != nil {
			return nil, "", buildpack.Userf("%s is not a list of runtime repository public keys: %v", envPublicKey, err).
				WithHint("Set it to the content of kiln-runtimes.pub (made by kiln runtimes keygen), several separated by commas while keys are rotated.")
		}
		return keys, fmt.Sprintf("%s (%s)", envPublicKey, keyCount(len(keys))), nil
	}
	if v := strings.TrimSpace(embedded); v != "" {
		keys, err := repo.ParsePublicKeys(v)
		if err != nil {
			return nil, "", fmt.Errorf("the runtime repository key embedded in this kiln at packaging time is unusable (rebuild it with make package KILN_RUNTIME_PUBLIC_KEY=...): %w", err)
		}
		return keys, fmt.Sprintf("the key embedded in this kiln (%s)", keyCount(len(keys))), nil
	}
	return nil, "", nil
}

func keyCount(n int) string {
	if n == 1 {
		return "1 key"
	}
	return fmt.Sprintf("%d keys", n)
}

// repositoryBases reads PHP_BASE_URL and NGINX_BASE_URL. NGINX_BASE_URL
// defaults to PHP_BASE_URL's sibling …/nginx when PHP_BASE_URL ends in
// /php (the layout kiln runtimes build writes); otherwise it is required.
func (pl *planner) repositoryBases() error {
	php := strings.TrimRight(pl.env.Get("PHP_BASE_URL"), "/")
	nginx := strings.TrimRight(pl.env.Get("NGINX_BASE_URL"), "/")
	if php == "" {
		return buildpack.Userf("No PHP runtime repository is configured: PHP_BASE_URL is not set").WithHint(noRepositoryHint)
	}
	if nginx == "" {
		parent, ok := strings.CutSuffix(php, "/php")
		if !ok {
			return buildpack.Userf("NGINX_BASE_URL is not set, and PHP_BASE_URL (%s) does not end in /php, so kiln cannot tell where nginx is", php).
				WithHint("Set NGINX_BASE_URL to the repository's nginx directory (the one holding <stack>/nginx-<version>.tgz).")
		}
		nginx = parent + "/nginx"
	}
	pl.set.PHPBaseURL, pl.set.NginxBaseURL = php, nginx
	return nil
}

// noRepositoryHint says what to set when no repository is configured.
const noRepositoryHint = "Point the build to a runtime repository: PHP_BASE_URL (such as https://host/php; NGINX_BASE_URL defaults to https://host/nginx) " +
	"and " + envPublicKey + " (the repository's public key), see docs/runtime-repository.md; " +
	"or set KILN_PHP_RUNTIME=system to build with the host's php, php-fpm, nginx and composer."

// repositoryTrust records how the build verifies what it downloads from
// the repository, when it downloads anything from it: the runtimes of the
// repository source, or an APM agent of the system source.
func (pl *planner) repositoryTrust(embedded string) error {
	uses := pl.source == sourceRepository
	for _, u := range pl.set.APMURLs {
		if pl.set.PHPBaseURL != "" && strings.HasPrefix(u, pl.set.PHPBaseURL+"/") {
			uses = true
		}
	}
	if !uses {
		return nil
	}
	if pl.env.Bool(envUnsigned) {
		pl.set.Unsigned = true
		pl.p.Warn(unsignedWarning)
		return nil
	}
	keys, from, err := runtimeKeys(pl.env, embedded)
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		return buildpack.Userf("The runtime repository's signature cannot be checked: %s is not set", envPublicKey).
			WithHint("Set " + envPublicKey + " to the repository's public key (kiln-runtimes.pub, made by kiln runtimes keygen), " +
				"or, for a repository with a .sha256 next to each file and no signature, " + envUnsigned + "=true (no protection against a tampered repository).")
	}
	pl.set.KeysFrom = from
	return nil
}

// encodeChecksums says where the repository's checksums come from.
func (s *settings) encodeChecksums() string {
	switch {
	case s.Unsigned:
		return unsignedText
	case s.KeysFrom != "":
		return signedPrefix + s.KeysFrom
	}
	return ""
}

func (s *settings) decodeChecksums(v string) error {
	switch {
	case v == unsignedText:
		s.Unsigned = true
	case strings.HasPrefix(v, signedPrefix) && v != signedPrefix:
		s.KeysFrom = strings.TrimPrefix(v, signedPrefix)
	case v != "":
		return fmt.Errorf("%q says neither %q nor %q", v, unsignedText, signedPrefix+"<keys>")
	}
	return nil
}

// repositoryDir returns the repository directory (<base>/<stack>) url is
// in, when it is in one of the build's repositories.
func (c *compiler) repositoryDir(url string) (string, bool) {
	for _, base := range []string{c.set.NginxBaseURL, c.set.PHPBaseURL} {
		if base == "" {
			continue
		}
		dir := base + "/" + c.plan.Stack
		if strings.HasPrefix(url, dir+"/") {
			return dir, true
		}
	}
	return "", false
}

// signedChecksum is url's checksum from the signed manifest of its
// repository directory.
func (c *compiler) signedChecksum(what, dir, url string) (fetch.Checksum, error) {
	m, murl, err := c.manifest(dir)
	if err != nil {
		return fetch.Checksum{}, err
	}
	rel := strings.TrimPrefix(url, dir+"/")
	a, ok := m.Lookup(rel)
	if !ok {
		return fetch.Checksum{}, &buildpack.UserError{
			Msg: fmt.Sprintf("%s is not in the runtime repository: its manifest %s lists no %s", what, murl, rel),
			Hint: fmt.Sprintf("Add the archive to the repository and index it again (kiln runtimes build, then kiln runtimes index), "+
				"or ask for a version the manifest lists; PHP_BASE_URL is %s and NGINX_BASE_URL %s.", c.set.PHPBaseURL, c.set.NginxBaseURL)}
	}
	sum, err := fetch.Hex("sha256", a.SHA256)
	if err != nil {
		return fetch.Checksum{}, fmt.Errorf("%s: the manifest %s: %w", what, murl, err)
	}
	return sum, nil
}

// manifest reads and verifies the manifest of a repository directory, once
// per build; it returns it with its URL.
func (c *compiler) manifest(dir string) (*repo.Manifest, string, error) {
	murl := dir + "/" + repo.ManifestName
	if m, ok := c.manifests[dir]; ok {
		return m, murl, nil
	}
	data, err := c.fetchText(murl, manifestLimit)
	if err != nil {
		return nil, murl, c.manifestError(murl, "has no manifest", err)
	}
	sig, err := c.fetchText(murl+".sig", 4096)
	if err != nil {
		return nil, murl, c.manifestError(murl+".sig", "is not signed", err)
	}
	m, err := repo.Open(data, sig, c.keys)
	if err != nil {
		if errors.Is(err, repo.ErrBadSignature) {
			return nil, murl, &buildpack.UserError{
				Msg: fmt.Sprintf("Refusing the runtime repository: the signature %s.sig does not match %s with %s; the manifest was changed after it was signed, or another key signed it", murl, murl, c.set.KeysFrom),
				Hint: "If the repository is yours, sign it again (kiln runtimes index DIR --key kiln-runtimes.key) with the key whose public half is in " + envPublicKey +
					", or set " + envPublicKey + " to the public key that signed it. Otherwise the repository may have been tampered with: do not use it."}
		}
		return nil, murl, &buildpack.UserError{Msg: fmt.Sprintf("Refusing the runtime repository's manifest %s: %v", murl, err),
			Hint: "Index and sign the repository again with kiln runtimes index DIR --key kiln-runtimes.key."}
	}
	if m.Stack != c.plan.Stack {
		return nil, murl, buildpack.Userf("The runtime repository's manifest %s is for stack %s, not %s", murl, m.Stack, c.plan.Stack).
			WithHint("Index the repository again: each <stack>/ directory has the archives of its stack.")
	}
	if c.manifests == nil {
		c.manifests = map[string]*repo.Manifest{}
	}
	c.manifests[dir] = m
	c.ctx.Log.Info("Verified the signature of %s (archives listed: %d)", murl, len(m.Artifacts))
	return m, murl, nil
}

// fetchText downloads a small file of the repository, reporting it.
func (c *compiler) fetchText(url string, limit int64) ([]byte, error) {
	start := time.Now()
	data, err := c.fetcher().Text(c.ctx.Context(), url, limit)
	c.ctx.Report.Download(url, err)
	c.ctx.Report.Fetching(time.Since(start))
	return data, err
}

// manifestError explains a manifest or signature that could not be read.
func (c *compiler) manifestError(url, what string, err error) error {
	var st *fetch.StatusError
	hint := fmt.Sprintf("Sign the repository with kiln runtimes index DIR --key kiln-runtimes.key and set %s to its public key; "+
		"for a repository without a signature, set %s=true (a .sha256 next to each file, no protection against a tampered repository). "+
		"PHP_BASE_URL is %s and NGINX_BASE_URL %s.", envPublicKey, envUnsigned, c.set.PHPBaseURL, c.set.NginxBaseURL)
	if errors.As(err, &st) {
		return &buildpack.UserError{Msg: fmt.Sprintf("The runtime repository %s: %s answered %s", what, url, st.Status), Hint: hint}
	}
	return &buildpack.UserError{Msg: fmt.Sprintf("Could not read the runtime repository's manifest: %s: %v", url, err), Hint: hint}
}
