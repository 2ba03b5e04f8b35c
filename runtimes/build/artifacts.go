package build

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kiln-dev/kiln/buildpack/fetch"
	"github.com/kiln-dev/kiln/runtimes/repo"
)

// phpBuild is a built PHP: its cache entry and key, which the extensions
// built against it add to theirs.
type phpBuild struct {
	entry   entry
	key     string
	archive string // relative to the entry
}

func (b *builder) inputs(kind, name, version string, src repo.Source, flags []string, scriptSum string) repo.BuildInputs {
	if flags == nil {
		flags = []string{}
	}
	return repo.BuildInputs{Kind: kind, Name: name, Version: version, Stack: b.opts.Stack, Source: src,
		Configure: flags, ScriptSHA256: scriptSum, Builder: b.opts.Builder}
}

// nginx builds nginx-<version>.tgz.
func (b *builder) nginx(ctx context.Context) error {
	v := b.opts.Nginx
	src, err := b.resolve("nginx", v, DefaultNginxSource)
	if err != nil {
		return err
	}
	_, scriptSum, err := script("nginx.sh")
	if err != nil {
		return err
	}
	flags := nginxConfigure()
	key := Key("nginx", v, b.opts.Stack, src.SHA256, scriptSum, flags)
	rel := filepath.Join("nginx", b.opts.Stack, "nginx-"+v+".tgz")
	e, cached, err := b.produce(key, "nginx "+v, func(stage, scratch string) error {
		path, err := b.download(ctx, "nginx "+v, src)
		if err != nil {
			return err
		}
		root, err := b.compile(ctx, "nginx.sh", path, scratch, nil, flags)
		if err != nil {
			return err
		}
		tree := filepath.Join(root, NginxPrefix)
		// The boot command writes its own configuration and logs.
		for _, d := range []string{"html", "logs"} {
			if err := os.RemoveAll(filepath.Join(tree, d)); err != nil {
				return err
			}
		}
		out := filepath.Join(stage, rel)
		if err := writeTarGz(tree, out); err != nil {
			return err
		}
		return writeSidecar(out, b.inputs("nginx", "nginx", v, src, flags, scriptSum))
	})
	if err != nil {
		return err
	}
	return b.publish(e, cached)
}

// compile runs a build script on a source archive in scratch and returns
// the install root.
func (b *builder) compile(ctx context.Context, name, src, scratch string, env map[string]string, flags []string) (string, error) {
	work := filepath.Join(scratch, "work")
	root := filepath.Join(scratch, "root")
	for _, d := range []string{work, root} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", err
		}
	}
	all := map[string]string{"KILN_SRC": src, "KILN_WORK": work, "KILN_INSTALL_ROOT": root}
	for k, v := range env {
		all[k] = v
	}
	return root, b.runScript(ctx, name, scratch, all, flags)
}

// php builds php-<version>.tgz and the archives of the optional bundled
// extensions.
func (b *builder) php(ctx context.Context) (phpBuild, error) {
	v := b.opts.PHP
	src, err := b.resolve("php", v, DefaultPHPSource)
	if err != nil {
		return phpBuild{}, err
	}
	_, scriptSum, err := script("php.sh")
	if err != nil {
		return phpBuild{}, err
	}
	flags := phpConfigure()
	key := Key("php", v, b.opts.Stack, src.SHA256, scriptSum, flags, OptionalBundled())
	rel := filepath.Join("php", b.opts.Stack, "php-"+v+".tgz")
	e, cached, err := b.produce(key, "PHP "+v, func(stage, scratch string) error {
		path, err := b.download(ctx, "PHP "+v, src)
		if err != nil {
			return err
		}
		root, err := b.compile(ctx, "php.sh", path, scratch, nil, flags)
		if err != nil {
			return err
		}
		tree := filepath.Join(root, PHPPrefix)
		api, err := extensionAPI(tree)
		if err != nil {
			return err
		}
		for _, ext := range OptionalBundled() {
			out := filepath.Join(stage, "php", b.opts.Stack, "ext", api, "php-"+ext+".tgz")
			so := filepath.Join(tree, "lib/php/extensions", "no-debug-non-zts-"+api, ext+".so")
			if err := packExtension(filepath.Join(scratch, "ext-"+ext), so, api, ext, out); err != nil {
				return err
			}
			in := b.inputs("extension", ext, v, src, flags, scriptSum)
			in.PHPAPI = api
			if err := writeSidecar(out, in); err != nil {
				return err
			}
		}
		if err := os.RemoveAll(filepath.Join(tree, "php/man")); err != nil {
			return err
		}
		// OPcache is shared in PHP 8.2; the archive loads it, so that it is
		// there like the compiled-in extensions. extension_dir is kiln's
		// php.ini's: the archive runs from wherever the app is.
		conf := filepath.Join(tree, "etc/conf.d")
		if err := os.MkdirAll(conf, 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(conf, "10-opcache.ini"), []byte("zend_extension=opcache.so\n"), 0o644); err != nil {
			return err
		}
		out := filepath.Join(stage, rel)
		if err := writeTarGz(tree, out); err != nil {
			return err
		}
		return writeSidecar(out, b.inputs("php", "php", v, src, flags, scriptSum))
	})
	if err != nil {
		return phpBuild{}, err
	}
	return phpBuild{entry: e, key: key, archive: rel}, b.publish(e, cached)
}

// extensionAPI reads the Zend module API number from an installed PHP's
// extension directory (lib/php/extensions/no-debug-non-zts-<api>).
func extensionAPI(tree string) (string, error) {
	dirs, err := os.ReadDir(filepath.Join(tree, "lib/php/extensions"))
	if err != nil {
		return "", fmt.Errorf("the built PHP has no extension directory: %w", err)
	}
	for _, d := range dirs {
		if api, ok := strings.CutPrefix(d.Name(), "no-debug-non-zts-"); ok && d.IsDir() {
			return api, nil
		}
	}
	return "", fmt.Errorf("the built PHP's lib/php/extensions has no no-debug-non-zts-<api> directory")
}

// packExtension writes an extension archive: the module and the ini file
// that loads it, laid out to be unpacked over vendor/php.
func packExtension(dir, so, api, ext, out string) error {
	modDir := filepath.Join(dir, "lib/php/extensions", "no-debug-non-zts-"+api)
	confDir := filepath.Join(dir, "etc/conf.d")
	for _, d := range []string{modDir, confDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if err := os.Rename(so, filepath.Join(modDir, ext+".so")); err != nil {
		return fmt.Errorf("the build made no %s module: %w", ext, err)
	}
	directive := "extension"
	if zendExtension(ext) {
		directive = "zend_extension"
	}
	ini := fmt.Sprintf("%s=%s.so\n", directive, ext)
	if err := os.WriteFile(filepath.Join(confDir, ext+".ini"), []byte(ini), 0o644); err != nil {
		return err
	}
	return writeTarGz(dir, out)
}

// extension builds php-<ext>.tgz against the PHP of p.
func (b *builder) extension(ctx context.Context, p phpBuild, x Extension) error {
	src, err := b.resolve(x.Name, x.Version, DefaultPECLSource)
	if err != nil {
		return err
	}
	_, scriptSum, err := script("ext.sh")
	if err != nil {
		return err
	}
	flags := extConfigure(x.Name)
	key := Key("extension", x.Name, x.Version, b.opts.Stack, src.SHA256, scriptSum, flags, p.key)
	what := fmt.Sprintf("PHP extension %s %s", x.Name, x.Version)
	e, cached, err := b.produce(key, what, func(stage, scratch string) error {
		path, err := b.download(ctx, what, src)
		if err != nil {
			return err
		}
		home := filepath.Join(scratch, "php")
		if err := fetch.ExtractTarGz(filepath.Join(p.entry.dir, p.archive), home, 0); err != nil {
			return fmt.Errorf("unpacking the built PHP: %w", err)
		}
		api, err := extensionAPI(home)
		if err != nil {
			return err
		}
		mods := filepath.Join(scratch, "modules")
		env := map[string]string{"KILN_EXT": x.Name, "KILN_VERSION": x.Version, "KILN_PHP_HOME": home,
			"KILN_PHP_PREFIX": PHPPrefix, "KILN_MODULE_DIR": mods}
		if _, err := b.compile(ctx, "ext.sh", path, scratch, env, flags); err != nil {
			return err
		}
		out := filepath.Join(stage, "php", b.opts.Stack, "ext", api, "php-"+x.Name+".tgz")
		if err := packExtension(filepath.Join(scratch, "pack"), filepath.Join(mods, x.Name+".so"), api, x.Name, out); err != nil {
			return err
		}
		in := b.inputs("extension", x.Name, x.Version, src, flags, scriptSum)
		in.PHPAPI = api
		return writeSidecar(out, in)
	})
	if err != nil {
		return err
	}
	return b.publish(e, cached)
}

// composer fetches Composer's phar, verified.
func (b *builder) composer(ctx context.Context) error {
	v := b.opts.Composer
	src, err := b.resolve("composer", v, DefaultComposerSource)
	if err != nil {
		return err
	}
	key := Key("composer", v, b.opts.Stack, src.SHA256)
	e, cached, err := b.produce(key, "Composer "+v, func(stage, _ string) error {
		path, err := b.download(ctx, "Composer "+v, src)
		if err != nil {
			return err
		}
		out := filepath.Join(stage, "php", b.opts.Stack, "composer-"+v+".phar")
		if err := copyFile(path, out); err != nil {
			return err
		}
		return writeSidecar(out, b.inputs("composer", "composer", v, src, nil, ""))
	})
	if err != nil {
		return err
	}
	return b.publish(e, cached)
}
