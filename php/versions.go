package php

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/kiln-dev/kiln/buildpack"
	"github.com/kiln-dev/kiln/stacks"
)

// versionRequests finds the PHP, nginx and Composer requests in the order
// the platform documents: composer.json first, then the environment, then
// the stack default (an empty request).
func versionRequests(pj *project, paas *paasConfig, env buildpack.Env) (php, nginx, composer stacks.Request) {
	engines := paas.Engines
	eng := "composer.json extra." + paas.key + ".engines."
	php = firstRequest(
		stacks.Request{Value: pj.JSON.Require["php"], Source: "composer.json require.php"},
		stacks.Request{Value: platformPHP(pj), Source: "composer.json config.platform.php"},
		stacks.Request{Value: engines["php"], Source: eng + "php"},
		stacks.Request{Value: env.Get("PHP_VERSION"), Source: "PHP_VERSION"},
	)
	nginx = firstRequest(
		stacks.Request{Value: pj.JSON.Require["nginx"], Source: "composer.json require.nginx"},
		stacks.Request{Value: engines["nginx"], Source: eng + "nginx"},
		stacks.Request{Value: env.Get("NGINX_VERSION"), Source: "NGINX_VERSION"},
	)
	composer = firstRequest(
		stacks.Request{Value: engines["composer"], Source: eng + "composer"},
		stacks.Request{Value: env.Get("COMPOSER_VERSION"), Source: "COMPOSER_VERSION"},
	)
	return php, nginx, composer
}

// firstRequest returns the first request with a value; "default" counts as
// no request. With none, it returns the stack default's empty request.
func firstRequest(reqs ...stacks.Request) stacks.Request {
	for _, r := range reqs {
		v := strings.TrimSpace(r.Value)
		if v != "" && !strings.EqualFold(v, "default") {
			return stacks.Request{Value: v, Source: r.Source}
		}
	}
	return stacks.Request{Source: "default"}
}

// platformPHP reads config.platform.php, which Composer allows to be a
// string (or false to disable the override).
func platformPHP(pj *project) string {
	raw, ok := pj.JSON.Config.Platform["php"]
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// resolveRuntimes resolves the three requests against the stack.
func resolveRuntimes(st *stacks.Stack, reqs [3]stacks.Request) ([]buildpack.Runtime, []string, error) {
	type resolver func(stacks.Request) (stacks.Resolution, error)
	names := [3]string{"php", "nginx", "composer"}
	fns := [3]resolver{st.ResolvePHP, st.ResolveNginx, st.ResolveComposer}
	var out []buildpack.Runtime
	var warnings []string
	for i, req := range reqs {
		res, err := fns[i](req)
		if err != nil {
			return nil, nil, resolveUserError(err)
		}
		warnings = append(warnings, res.Warnings...)
		out = append(out, buildpack.Runtime{Name: names[i], Version: res.Version, Requested: req.Value, Source: req.Source})
	}
	return out, warnings, nil
}

// resolveUserError turns a resolution failure into the user error it is.
func resolveUserError(err error) error {
	var re *stacks.ResolveError
	if errors.As(err, &re) {
		return &buildpack.UserError{Msg: re.Error(), Hint: re.Hint}
	}
	return err
}
