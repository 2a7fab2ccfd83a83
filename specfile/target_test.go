package specfile_test

import (
	"strconv"
	"testing"

	"github.com/patchtrace/patchtrace/specfile"
)

func TestPresetTable(t *testing.T) {
	for _, c := range []struct {
		name, dist, rpm, define, value string
	}{
		{"el6", ".el6", "4.8", "rhel", "6"},
		{"el7", ".el7", "4.11", "el7", "1"},
		{"el8", ".el8", "4.14", "rhel", "8"},
		{"EL9", ".el9", "4.16", "rhel", "9"},
		{"el10", ".el10", "4.19", "rhel", "10"},
		{"c9s", ".el9", "4.16", "centos", "9"},
		{"alma9", ".el9", "4.16", "almalinux", "9"},
		{"rocky10", ".el10", "4.19", "rocky", "10"},
		{"ol8", ".el8", "4.14", "oraclelinux", "8"},
		{"ol9", ".el9", "4.16", "oraclelinux", "9"},
		{"ol10", ".el10", "4.19", "oraclelinux", "10"},
		{"f35", ".fc35", "4.17", "fedora", "35"},
		{"fc38", ".fc38", "4.18", "fedora", "38"},
		{"f40", ".fc40", "4.19", "fedora", "40"},
		{"f42", ".fc42", "4.20", "fedora", "42"},
		{"f43", ".fc43", "6.0", "fedora", "43"},
		{"fedora", ".fc44", "6.0", "fc44", "1"},
		{"rawhide", ".fc46", "6.0", "fedora", "46"},
	} {
		tg, err := specfile.Preset(c.name)
		if err != nil {
			t.Errorf("Preset(%q): %v", c.name, err)
			continue
		}
		if tg.Defines["dist"] != c.dist || tg.RPMVersion != c.rpm || tg.Defines[c.define] != c.value {
			t.Errorf("Preset(%q) = dist %q rpm %q %s=%q; want %q %q %q", c.name, tg.Defines["dist"], tg.RPMVersion, c.define, tg.Defines[c.define], c.dist, c.rpm, c.value)
		}
	}
	for _, bad := range []string{"el5", "f1", "ubuntu", "ol7x"} {
		if _, err := specfile.Preset(bad); err == nil {
			t.Errorf("Preset(%q) accepted", bad)
		}
	}
}

// EL6 and EL7 (rpm 4.8, 4.11) read a numberless Patch: as rpm 4.14 does,
// and rpm 6 presets report rpm 6 in %{rpmversion}.
func TestPresetBehaviour(t *testing.T) {
	spec := "Name: x\nVersion: %{rpmversion}\nRelease: 1%{?dist}\nSummary: s\nLicense: MIT\nPatch: a.patch\nPatch1: b.patch\n%description\nx\n"
	for _, c := range []struct{ preset, nevr, patches string }{
		{"el6", "%{rpmversion}-1.el6", "-1 a.patch,1 b.patch"},
		{"el7", "%{rpmversion}-1.el7", "-1 a.patch,1 b.patch"},
		{"el9", "%{rpmversion}-1.el9", "0 a.patch,1 b.patch"},
		{"f43", "6.0.0-1.fc43", "0 a.patch,1 b.patch"},
	} {
		tg, _ := specfile.Preset(c.preset)
		s, err := specfile.ParseBytes("x.spec", []byte(spec), specfile.Options{Target: tg})
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for i, p := range s.Patches {
			if i > 0 {
				got += ","
			}
			got += itoa(p.Number) + " " + p.File
		}
		if s.Version+"-"+s.Release != c.nevr || got != c.patches {
			t.Errorf("%s: %s-%s, patches %s; want %s, %s", c.preset, s.Version, s.Release, got, c.nevr, c.patches)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestDetectPreset(t *testing.T) {
	for _, c := range []struct{ hint, want string }{
		{"33.el8", "el8"},
		{"28.el9_2.openela.0.1", "el9"},
		{"11.el8_8", "el8"},
		{"3.module+el8.4.0+1234+abcd", "el8"},
		{"9.el9.alma.1", "alma9"},
		{"1.el8.rocky.0.2", "rocky8"},
		{"1.fc38", "f38"},
		{"/work/shared/corpus/openela/curl/el-8.8", "el8"},
		{"/work/shared/corpus/eurolinux/curl/el6", "el6"},
		{"/corpus/fedora/openssl/rawhide", "rawhide"},
		{"/corpus/fedora/openssl/f35", "f35"},
		{"/home/el7user/src/c9s", "c9s"},
		{"/srv/git/curl.git@imports/c8/curl-7.61.1-33.el8", "el8"},
		{"/srv/git/curl.git@imports/c8/curl-7.61.1-33", "el8"},
		{"ol9_u2", "ol9"},
		{"curl-7.61.1-33.el8.src.rpm", "el8"},
		{"/work/wt-cli/testdata/trace/target", ""},
		{"3", ""},
		{"/tmp/fedora-packages/foo", ""},
	} {
		got, ok := specfile.DetectPreset(c.hint)
		if got != c.want || ok != (c.want != "") {
			t.Errorf("DetectPreset(%q) = %q, %v; want %q", c.hint, got, ok, c.want)
		}
	}
}
