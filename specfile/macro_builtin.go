package specfile

import (
	"strconv"
	"strings"

	"github.com/patchtrace/patchtrace/internal/rpmver"
)

// installBuiltins defines rpm's built-in macros for behaviour version ver
// (e.g. 418). Built-ins that would touch the environment, the file system
// or run code are inert: they expand to nothing and are reported.
func (e *engine) installBuiltins() {
	add := func(name string, nargs int, flags mflags, fn builtinFunc) {
		e.tab.push(&macroEntry{name: name, level: levelMacroFiles - 1, flags: flags | mFunc, nargs: nargs, fn: fn, parametric: nargs != 0})
	}
	add("define", 1, mParse, biDefine(false))
	add("global", 1, mParse, biDefine(true))
	add("undefine", 1, 0, func(e *engine, b *obuf, me *macroEntry, args []string, rest string, hasRest bool) int {
		n := args[1]
		if !validMacroName(n) {
			e.warn("macro %%%s has illegal name (%%undefine)", n)
			return 0
		}
		if old := e.tab.get(n); old != nil && old.flags&(mFunc|mAuto) != 0 {
			e.warn("macro %%%s is a built-in (%%undefine)", n)
			return 0
		}
		e.tab.pop(n)
		return 0
	})
	add("dnl", 1, mParse, func(e *engine, b *obuf, me *macroEntry, args []string, rest string, hasRest bool) int {
		if !hasRest {
			return 0
		}
		if i := strings.IndexByte(rest, '\n'); i >= 0 {
			return i + 1
		}
		return len(rest)
	})
	add("lua", 1, mParse, func(e *engine, b *obuf, me *macroEntry, args []string, rest string, hasRest bool) int {
		if hasRest {
			// `%lua` followed by text: rpm would run the rest; we do not.
			e.unresolved("lua", "%lua"+rest)
			return len(rest)
		}
		e.unresolved("lua", "%{lua:"+args[1]+"}")
		return 0
	})
	simple := func(name string, f func(e *engine, arg string) string) {
		add(name, 1, 0, func(e *engine, b *obuf, me *macroEntry, args []string, rest string, hasRest bool) int {
			out := f(e, args[1])
			if e.spend(len(out)) {
				b.writeString(out)
			}
			return 0
		})
	}
	simple("basename", func(e *engine, a string) string {
		if i := strings.LastIndexByte(a, '/'); i >= 0 {
			return a[i+1:]
		}
		return a
	})
	simple("dirname", func(e *engine, a string) string {
		if i := strings.LastIndexByte(a, '/'); i >= 0 {
			return a[:i]
		}
		return a
	})
	simple("suffix", func(e *engine, a string) string {
		if i := strings.LastIndexByte(a, '.'); i >= 0 {
			return a[i+1:]
		}
		return ""
	})
	simple("shrink", func(e *engine, a string) string { return strings.Join(strings.Fields(a), " ") })
	simple("quote", func(e *engine, a string) string { return "\x1f" + a + "\x1f" })
	url2path := func(e *engine, a string) string {
		for _, p := range []string{"file://", "http://", "https://", "ftp://", "hkp://"} {
			if strings.HasPrefix(a, p) {
				r := a[len(p):]
				if i := strings.IndexByte(r, '/'); i >= 0 {
					return r[i:]
				}
				return "/"
			}
		}
		if a == "" {
			return "/"
		}
		return a
	}
	simple("url2path", url2path)
	simple("u2p", url2path)
	simple("expand", func(e *engine, a string) string { return e.expandThis(a) })
	simple("expr", func(e *engine, a string) string {
		v, err := evalExpr(a, e, false)
		if err != nil {
			e.fail(err)
			return ""
		}
		return v.String()
	})
	simple("getenv", func(e *engine, a string) string { e.unresolved("env", "%{getenv:"+a+"}"); return "" })
	simple("exists", func(e *engine, a string) string { e.unresolved("fs", "%{exists:"+a+"}"); return "0" })
	simple("load", func(e *engine, a string) string { e.unresolved("fs", "%{load:"+a+"}"); return "" })
	simple("echo", func(e *engine, a string) string { return "" })
	simple("warn", func(e *engine, a string) string { e.warn("%%{warn}: %s", a); return "" })
	simple("error", func(e *engine, a string) string { e.warn("%%{error}: %s", a); return "" })
	simple("macrobody", func(e *engine, a string) string {
		if me := e.tab.get(a); me != nil && me.flags&mFunc == 0 {
			return me.body
		}
		e.warn("no such macro: '%s'", a)
		return ""
	})
	simple("uncompress", func(e *engine, a string) string {
		if a == "" {
			return ""
		}
		return e.expandThis("%__rpmuncompress ") + a
	})
	simple("P", func(e *engine, a string) string { return e.expandThis("%PATCH" + a) })
	simple("S", func(e *engine, a string) string { return e.expandThis("%SOURCE" + a) })
	add("getconfdir", 0, 0, func(e *engine, b *obuf, me *macroEntry, args []string, rest string, hasRest bool) int {
		b.writeString("/usr/lib/rpm")
		return 0
	})
	add("getncpus", -1, 0, func(e *engine, b *obuf, me *macroEntry, args []string, rest string, hasRest bool) int {
		b.writeString("1")
		return 0
	})
	add("dump", 0, 0, func(*engine, *obuf, *macroEntry, []string, string, bool) int { return 0 })
	add("trace", 0, 0, func(*engine, *obuf, *macroEntry, []string, string, bool) int { return 0 })
	add("verbose", -1, mParse, func(e *engine, b *obuf, me *macroEntry, args []string, rest string, hasRest bool) int {
		if hasRest || len(args) < 2 {
			b.writeByte('0')
		}
		return 0
	})
	// %patches and %sources are Lua in rpm's macros file; computed here.
	list := func(name string, get func(e *engine) []declRef, kind string) {
		add(name, 0, 0, func(e *engine, b *obuf, me *macroEntry, args []string, rest string, hasRest bool) int {
			if get == nil {
				return 0
			}
			for _, d := range get(e) {
				s := "'" + strings.ReplaceAll(d.path, "'", `'\''`) + "' "
				if !e.spend(len(s)) {
					return 0
				}
				b.writeString(s)
				if e.onRef != nil {
					e.onRef(kind, d.num)
				}
			}
			return 0
		})
	}
	list("patches", func(e *engine) []declRef {
		if e.patchList == nil {
			return nil
		}
		return e.patchList()
	}, "patches")
	list("sources", func(e *engine) []declRef {
		if e.sourceList == nil {
			return nil
		}
		return e.sourceList()
	}, "sources")
	add("autopatch", -1, 0, biAutopatch)
	if e.rpmver >= 418 {
		add("shescape", 1, 0, biShescape)
	}

	if e.rpmver >= 419 {
		for name := range luaStringFuncs {
			add(name, 1, 0, biString)
		}
		add("rpmversion", 0, 0, func(e *engine, b *obuf, me *macroEntry, args []string, rest string, hasRest bool) int {
			b.writeString(strconv.Itoa(e.rpmver/100) + "." + strconv.Itoa(e.rpmver%100) + ".0")
			return 0
		})
	}
}

func biDefine(global bool) builtinFunc {
	return func(e *engine, b *obuf, me *macroEntry, args []string, rest string, hasRest bool) int {
		level := e.level
		if global {
			level = levelGlobal
		}
		if hasRest {
			return e.doDefine(rest, level, global, true)
		}
		// %{define:name body} / %{global:...}
		text := args[1]
		if len(args) > 2 {
			text = args[1] + " " + args[2]
		}
		e.doDefine(text, level, global, true)
		return 0
	}
}

// biShescape is rpm 4.18's %{shescape:...}: each argument single-quoted
// for the shell, separated by blanks.
func biShescape(e *engine, b *obuf, me *macroEntry, args []string, rest string, hasRest bool) int {
	for i, a := range args[1:] {
		s := "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		if i > 0 {
			s = " " + s
		}
		if !e.spend(len(s)) {
			return 0
		}
		b.writeString(s)
	}
	return 0
}

// biAutopatch implements %autopatch (Lua in rpm): it records the patches
// to apply through the engine's onAutopatch callback and emits nothing.
func biAutopatch(e *engine, b *obuf, me *macroEntry, args []string, rest string, hasRest bool) int {
	var ap autopatchArgs
	words := args[1:]
	var pos []string
	for i := 0; i < len(words); i++ {
		w := words[i]
		if len(w) < 2 || w[0] != '-' {
			pos = append(pos, w)
			continue
		}
		opt := w[1]
		val := w[2:]
		needs := opt == 'p' || opt == 'm' || opt == 'M'
		if needs && val == "" && i+1 < len(words) {
			i++
			val = words[i]
		}
		switch opt {
		case 'v':
			ap.verbose = true
		case 'q':
			// rpm 4.20's quiet flag: changes output, not which patches.
		case 'p':
			n, err := strconv.Atoi(val)
			if err == nil {
				ap.strip, ap.hasP = n, true
			}
		case 'm':
			if n, err := strconv.Atoi(val); err == nil {
				ap.lo, ap.hasLo = n, true
			}
		case 'M':
			if n, err := strconv.Atoi(val); err == nil {
				ap.hi, ap.hasHi = n, true
			}
		default:
			e.warn("unknown option %c in autopatch(vqp:m:M:)", opt)
			return 0
		}
	}
	for _, p := range pos {
		n, err := strconv.Atoi(p)
		if err != nil {
			ap.bad = append(ap.bad, p)
			continue
		}
		ap.nums = append(ap.nums, n)
	}
	if e.onAutopatch != nil {
		e.onAutopatch(ap)
	}
	return 0
}

// defaultMacros are the few macros of rpm's own macros file that decide
// how specs parse, in rpm's macros-file syntax. They are loaded before the
// target's macro files and defines, so those override them.
const defaultMacros = `
%nil %{!?nil}
%_topdir /builddir/build
%_sourcedir %{_topdir}/SOURCES
%_builddir %{_topdir}/BUILD
%_specdir %{_topdir}/SPECS
%_srcrpmdir %{_topdir}/SRPMS
%_rpmdir %{_topdir}/RPMS
%_buildrootdir %{_topdir}/BUILDROOT
%_usr /usr
%_usrsrc %{_usr}/src
%_var /var
%_tmppath %{_var}/tmp
%_prefix /usr
%_exec_prefix %{_prefix}
%_bindir %{_exec_prefix}/bin
%_sbindir %{_exec_prefix}/sbin
%_libexecdir %{_exec_prefix}/libexec
%_datarootdir %{_prefix}/share
%_datadir %{_datarootdir}
%_sysconfdir /etc
%_sharedstatedir /var/lib
%_localstatedir /var
%_lib lib64
%_libdir %{_prefix}/%{_lib}
%_includedir %{_prefix}/include
%_infodir %{_datarootdir}/info
%_mandir %{_datarootdir}/man
%_docdir %{_datadir}/doc
%_rundir /run
%_unitdir /usr/lib/systemd/system
%__patch /usr/bin/patch
%__awk /usr/bin/awk
%__cat /usr/bin/cat
%__grep /usr/bin/grep
%__sed /usr/bin/sed
%__git /usr/bin/git
%__rpmuncompress /usr/lib/rpm/rpmuncompress
%_default_patch_fuzz 0
%__scm patch
%__scm_setup_patch(q) %{nil}
%__scm_setup_git(q) %{nil}
%__scm_setup_git_am(q) %{nil}
%__scm_setup_quilt(q) %{nil}
%__scm_setup_hg(q) %{nil}
%__scm_setup_bzr(q) %{nil}
%__scm_setup_gendiff(q) %{nil}
%defined() %{expand:%%{?%{1}:1}%%{!?%{1}:0}}
%undefined() %{expand:%%{?%{1}:0}%%{!?%{1}:1}}
%bcond() %[ (%2)\
    ? "%{expand:%%{!?_without_%{1}:%%global with_%{1} 1}}"\
    : "%{expand:%%{?_with_%{1}:%%global with_%{1} 1}}"\
]
%bcond_with() %bcond %{1} 0
%bcond_without() %bcond %{1} 1
%with() %{expand:%%{?with_%{1}:1}%%{!?with_%{1}:0}}
%without() %{expand:%%{?with_%{1}:0}%%{!?with_%{1}:1}}
%ix86 i386 i486 i586 i686 pentium3 pentium4 athlon geode
%x86_64 x86_64 amd64 em64t
%arm32 armv3l armv4b armv4l armv4tl armv5tl armv5tel armv5tejl armv6l armv6hl armv7l armv7hl armv7hnl armv8l armv8hl armv8hnl armv8hcnl
%arm %{arm32}
%arm64 aarch64
%mips32 mips mipsel mipsr6 mipsr6el
%mips64 mips64 mips64el mips64r6 mips64r6el
%mips %{mips32} %{mips64}
%power64 ppc64 ppc64p7 ppc64le
%sparc sparc sparcv8 sparcv9v sparcv9
%alpha alpha alphaev56 alphaev6 alphaev67
%riscv64 riscv64
%riscv %{riscv64}
%autosetup(a:b:cCDn:TvNS:p:)\
%setup %{-a} %{-b} %{-c} %{-C} %{-D} %{-n} %{-T} %{!-v:-q}\
%{-S:%global __scm %{-S*}}\
%{expand:%__scm_setup_%{__scm} %{!-v:-q}}\
%{!-N:%autopatch %{-v} %{-p:-p%{-p*}}}
%autorelease(e:s:pb:n) %{?-p:0.}%{?_rpmautospec_release_number}%{!?_rpmautospec_release_number:1}%{?-e:.%{-e*}}%{?-s:.%{-s*}}%{!?-n:%{?dist}}
%autochangelog %{nil}
`

// nativeMacros are names whose rpm definitions are Lua; the engine's own
// implementations win over definitions loaded from macro files.
var nativeMacros = map[string]bool{
	"patches": true, "sources": true, "autopatch": true,
}

// vercmp compares two version strings like rpm's rpmvercmp.
func vercmp(a, b string) int { return rpmver.Compare(a, b) }

// compareEVR compares [epoch:]version[-release] strings as rpm does.
func compareEVR(a, b string) int {
	ea, va, ra := splitEVR(a)
	eb, vb, rb := splitEVR(b)
	if c := vercmp(ea, eb); c != 0 {
		return c
	}
	if c := vercmp(va, vb); c != 0 {
		return c
	}
	if ra == "" || rb == "" {
		return 0
	}
	return vercmp(ra, rb)
}

func splitEVR(s string) (e, v, r string) {
	e = "0"
	if i := strings.IndexByte(s, ':'); i >= 0 {
		e, s = s[:i], s[i+1:]
		if e == "" {
			e = "0"
		}
	}
	if i := strings.LastIndexByte(s, '-'); i >= 0 {
		return e, s[:i], s[i+1:]
	}
	return e, s, ""
}
