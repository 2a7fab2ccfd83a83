package testenv

import (
	"os"
	"path/filepath"
	"testing"
)

// NPMEnv names the environment variable that says where the npm packages
// the tests use are installed (an npm --prefix directory; default
// DefaultNPM). .ci/run installs them there.
const NPMEnv = "PATCHTRACE_NPM"

// DefaultNPM is where the npm packages are looked for when $PATCHTRACE_NPM
// is unset.
const DefaultNPM = "/var/cache/patchtrace/npm"

// NodeModules returns the node_modules directory that holds the npm
// packages pkgs (for NODE_PATH), and the node binary. When node or a
// package is missing, t is skipped (or failed under CI) with how to
// install it.
func NodeModules(t testing.TB, pkgs ...string) (nodeModules, node string) {
	t.Helper()
	node = Tool(t, "node", "apt-get install -y nodejs npm")
	if node == "" {
		return "", ""
	}
	prefix := os.Getenv(NPMEnv)
	if prefix == "" {
		prefix = DefaultNPM
	}
	nodeModules = filepath.Join(prefix, "node_modules")
	for _, p := range pkgs {
		if _, err := os.Stat(filepath.Join(nodeModules, filepath.FromSlash(p), "package.json")); err != nil {
			missing(t, "the npm package %s is not in %s (install: npm install --prefix %s %s; .ci/run does)", p, nodeModules, prefix, p)
			return "", ""
		}
	}
	return nodeModules, node
}
