package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/kiln-dev/kiln/runtimes/repo"
)

// runtimesCommands are the subcommands of kiln runtimes, which make and
// serve a runtime repository (runtimes/repo). A new subcommand is one
// entry here.
func runtimesCommands() map[string]command {
	return map[string]command{
		"build": runtimesBuildCommand(),
		"keygen": {usage: "runtimes keygen --out DIR", run: cmdRuntimesKeygen, flags: true,
			summary: "Makes the ed25519 key pair that signs a runtime repository: DIR/" + repo.PrivateKeyName + " (mode 0600, keep it secret)\n" +
				"and DIR/" + repo.PublicKeyName + " (the value of KILN_RUNTIME_PUBLIC_KEY). It never replaces an existing key."},
		"index": {usage: "runtimes index DIR --key FILE", run: cmdRuntimesIndex, flags: true,
			summary: "Writes DIR/<kind>/<stack>/manifest.json for every repository directory of DIR (each archive with its\n" +
				"version, SHA-256, size and build inputs) and signs it with the private key FILE (manifest.json.sig)."},
		"serve": {usage: "runtimes serve DIR [--addr HOST:PORT]", run: cmdRuntimesServe, flags: true,
			summary: "Serves DIR over HTTP as static files until interrupted (Ctrl-C, SIGTERM). PHP_BASE_URL is\n" +
				"http://HOST:PORT/php and NGINX_BASE_URL http://HOST:PORT/nginx. Any static file server or object store works as well."},
	}
}

// runtimesCommand is kiln runtimes: its usage and summary list the
// subcommands of runtimesCommands.
func runtimesCommand() command {
	subs := runtimesCommands()
	names := slices.Sorted(maps.Keys(subs))
	lines := []string{"Builds, signs and serves a PHP runtime repository (docs/runtime-repository.md):"}
	for _, n := range names {
		lines = append(lines, "  kiln "+subs[n].usage)
	}
	lines = append(lines, "Run 'kiln runtimes SUBCOMMAND --help' for what each does and its options.")
	return command{usage: "runtimes " + strings.Join(names, "|") + " [options]", run: cmdRuntimes,
		summary: strings.Join(lines, "\n")}
}

// cmdRuntimes dispatches to a subcommand of runtimesCommands, answering
// its --help.
func cmdRuntimes(a *app, args []string) error {
	subs := runtimesCommands()
	if len(args) == 0 {
		return usagef("usage: kiln %s", runtimesCommand().usage)
	}
	sub, ok := subs[args[0]]
	if !ok {
		msg := fmt.Sprintf("runtimes: unknown subcommand %q", args[0])
		if s := closest(args[0], slices.Sorted(maps.Keys(subs))); s != "" {
			msg += fmt.Sprintf("; did you mean %s?", s)
		}
		return usagef("%s\nusage: kiln %s", msg, runtimesCommand().usage)
	}
	if !sub.flags && len(args) > 1 && isHelpFlag(args[1]) {
		printCommandHelp(a.stdout, sub, nil)
		return nil
	}
	err := sub.run(a, args[1:])
	var help *helpRequest
	if errors.As(err, &help) {
		printCommandHelp(a.stdout, sub, help.fs)
		return nil
	}
	return err
}

// cmdRuntimesKeygen is kiln runtimes keygen.
func cmdRuntimesKeygen(a *app, args []string) error {
	fs := flag.NewFlagSet("runtimes keygen", flag.ContinueOnError)
	out := fs.String("out", "", "the directory to write "+repo.PrivateKeyName+" and "+repo.PublicKeyName+" into (required)")
	pos, _, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *out == "" {
		return usagef("usage: kiln %s", runtimesCommands()["keygen"].usage)
	}
	_, priv, err := repo.GenerateKey(nil)
	if err != nil {
		return err
	}
	privPath, pubPath, err := repo.WriteKeyPair(*out, priv)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "-----> Wrote %s (private: keep it secret, sign with kiln runtimes index --key %s)\n", privPath, privPath)
	fmt.Fprintf(a.stdout, "-----> Wrote %s (public)\n", pubPath)
	fmt.Fprintf(a.stdout, "       Builds verify the repository with KILN_RUNTIME_PUBLIC_KEY=%s\n", repo.EncodePublicKey(priv.Public().(ed25519.PublicKey)))
	return nil
}

// cmdRuntimesIndex is kiln runtimes index.
func cmdRuntimesIndex(a *app, args []string) error {
	fs := flag.NewFlagSet("runtimes index", flag.ContinueOnError)
	keyFile := fs.String("key", "", "the private key that signs the manifests ("+repo.PrivateKeyName+" of kiln runtimes keygen; required)")
	pos, _, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *keyFile == "" {
		return usagef("usage: kiln %s", runtimesCommands()["index"].usage)
	}
	priv, err := repo.ReadPrivateKey(*keyFile)
	if err != nil {
		return err
	}
	done, err := repo.Index(pos[0], priv)
	if err != nil {
		return err
	}
	for _, d := range done {
		fmt.Fprintf(a.stdout, "-----> Signed %s (archives listed: %d)\n", filepath.Join(d.Dir, repo.ManifestName), len(d.Manifest.Artifacts))
		for _, art := range d.Manifest.Artifacts {
			inputs := ""
			if art.Build == nil {
				inputs = " (no build inputs)"
			}
			fmt.Fprintf(a.stdout, "       %s  %s %d bytes%s\n", art.SHA256[:12], art.Path, art.Size, inputs)
		}
	}
	return nil
}

// cmdRuntimesServe is kiln runtimes serve: a static file server that stops
// cleanly on SIGINT or SIGTERM (the cancellation of a.ctx).
func cmdRuntimesServe(a *app, args []string) error {
	fs := flag.NewFlagSet("runtimes serve", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "the address to listen on (port 0: any free port)")
	pos, _, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("usage: kiln %s", runtimesCommands()["serve"].usage)
	}
	dir := pos[0]
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("serving %s: not a directory", dir)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("serving %s: %w", dir, err)
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(dir)), ReadHeaderTimeout: 10 * time.Second}
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(a.stdout, "-----> Serving %s at %s/ (Ctrl-C stops)\n", dir, base)
	fmt.Fprintf(a.stdout, "       PHP_BASE_URL=%s/php NGINX_BASE_URL=%s/nginx\n", base, base)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serving %s: %w", dir, err)
	case <-a.ctx.Done():
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("stopping the server: %w", err)
	}
	fmt.Fprintln(a.stdout, "-----> Stopped")
	return nil
}
