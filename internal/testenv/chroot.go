package testenv

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// ChrootEnv names the environment variable that says where the Debian
// chroots with newer rpm are (default DefaultChroots). scripts/rpm-chroot.sh
// builds them there; .ci/run runs it.
const ChrootEnv = "PATCHTRACE_RPM_CHROOTS"

// DefaultChroots is where the rpm chroots are kept when $PATCHTRACE_RPM_CHROOTS
// is unset: one directory per Debian suite.
const DefaultChroots = "/var/cache/patchtrace/rpm-chroots"

// ChrootSuites maps the Debian suites the newer-rpm oracles use to the
// rpm series each carries: trixie has rpm 4.20, sid rpm 6.
var ChrootSuites = map[string]string{"trixie": "4.20", "sid": "6"}

// RPMChroot returns the root of the Debian chroot for suite ("trixie",
// "sid"; see ChrootSuites) in which rpmspec runs. When it is absent, or
// chroot(2) is not permitted, t is skipped, or failed under CI, with the
// command that builds it.
func RPMChroot(t testing.TB, suite string) string {
	t.Helper()
	base := os.Getenv(ChrootEnv)
	if base == "" {
		base = DefaultChroots
	}
	dir := filepath.Join(base, suite)
	hint := "build it with scripts/rpm-chroot.sh " + suite + " (as root)"
	if _, err := os.Stat(filepath.Join(dir, "usr", "bin", "rpmspec")); err != nil {
		missing(t, "no rpm chroot for %s at %s: %s", suite, dir, hint)
		return ""
	}
	if out, err := ChrootCommand(context.Background(), dir, "rpm", "--version").CombinedOutput(); err != nil {
		missing(t, "cannot run rpm in the chroot %s (%v: %s): chroot needs root; %s", dir, err, strings.TrimSpace(string(out)), hint)
		return ""
	}
	return dir
}

// RPMVersionIn returns the version rpm reports in the chroot dir ("4.20.1").
func RPMVersionIn(t testing.TB, dir string) string {
	t.Helper()
	out, err := ChrootCommand(context.Background(), dir, "rpm", "--version").Output()
	if err != nil {
		t.Fatalf("rpm --version in %s: %v", dir, err)
	}
	f := strings.Fields(string(out))
	if len(f) == 0 {
		t.Fatalf("rpm --version in %s printed nothing", dir)
	}
	return f[len(f)-1]
}

// ChrootCommand returns a command that runs name with args inside the
// chroot dir, with a minimal environment (PATH, HOME=/tmp, LC_ALL=C).
func ChrootCommand(ctx context.Context, dir, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "chroot", append([]string{dir, name}, args...)...)
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/tmp", "LC_ALL=C"}
	return cmd
}

// ChrootTemp makes a fresh directory under the chroot's /tmp, removed when
// t ends, and returns its path outside the chroot and inside it.
func ChrootTemp(t testing.TB, dir string) (outside, inside string) {
	t.Helper()
	outside, err := os.MkdirTemp(filepath.Join(dir, "tmp"), "patchtrace-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(outside) })
	return outside, "/tmp/" + filepath.Base(outside)
}
