// Package autopatch reads AlmaLinux autopatch-tool configurations
// (config.yaml, config-*.yaml) into typed actions and explains a rebuild's
// own changes by them.
//
// AlmaLinux builds most of its packages from the CentOS Stream / RHEL
// package by applying a declarative config: replace strings, delete lines,
// add a Release suffix, a changelog entry, patch and source files, lines in
// a section, delete files, run a script. [Parse] reads one config with the
// same validation autopatch-tool applies (keys, types, required values,
// find/rfind exclusivity), every error positioned as file:line:col.
// [Explain] replays the actions on the origin's spec and attributes each
// difference between the origin and the rebuild (spec lines, own patches
// and hunks, own sources from a provenance graph) to the action that
// explains it, and flags what no action explains.
//
// Nothing is executed: run_script actions are reported, never run.
package autopatch

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/patchtrace/patchtrace/input"
)

// MaxConfigSize caps the size of one config file (autopatch configs are a
// few kilobytes).
const MaxConfigSize = 4 << 20

// ErrConfig is wrapped by every validation error of a config.
var ErrConfig = errors.New("invalid autopatch config")

// Config is one autopatch configuration file.
type Config struct {
	// File is the name given to Parse.
	File string
	// Parameters are the global switches (defaults applied).
	Parameters Parameters
	// Actions are the action entries in file order: each entry of each
	// action block is one Action.
	Actions []Action
	// Warnings are problems autopatch would accept silently (a key given
	// twice: the last wins).
	Warnings []string
}

// Parameters is the config's parameters: block.
type Parameters struct {
	InsertAlmaLinuxLine bool   // insert_almalinux_line (default true)
	CustomTargetBranch  string // custom_target_branch
	PreClean            bool   // pre_clean
	IgnoreVersionMacros bool   // ignore_version_macros
	IgnoreReleaseMacros bool   // ignore_release_macros
	TagPrefix           string // tag_prefix
	ELVersion           string // el_version (legacy rhel_version); "" when unset
}

// Action is one entry of an action block. The concrete types are
// *Replace, *DeleteLine, *ModifyRelease, *ChangelogEntry, *AddFile,
// *DeleteFile, *RunScript and *AddLine.
type Action interface {
	// Kind is the action type as the config names it ("replace", ...).
	Kind() string
	// Pos is where the entry starts in the config.
	Pos() input.Position
}

// At is the position of an action entry; it implements Action.Pos.
type At struct{ Position input.Position }

// Pos returns the entry's position.
func (a At) Pos() input.Position { return a.Position }

// Replace is a replace entry: find (literal) or rfind (regular expression)
// replaced in the target file(s), at most Count times (-1: all).
type Replace struct {
	At
	Target      string // "spec" or a file path or glob
	Find        string // literal text (may span lines)
	RFind       string // regular expression (Python re syntax)
	Replacement string // the replace: value
	Count       int
}

// DeleteLine is a delete_line entry: lines or blocks removed from Target.
type DeleteLine struct {
	At
	Target string
	Lines  []string
}

// ModifyRelease is a modify_release entry: Suffix appended to Release:.
type ModifyRelease struct {
	At
	Suffix        string
	Enabled       bool // default true
	AutoIncrement bool
}

// ChangelogEntry is a changelog_entry entry.
type ChangelogEntry struct {
	At
	Name, Email string
	Lines       []string // the line: items
}

// AddFile is an add_files entry.
type AddFile struct {
	At
	Type                string // "patch" or "source"
	Name                string // file name under the config's files/
	Number              int    // 0: "Latest" (the next free number)
	ModifySpec          bool   // default true
	InsertAlmaLinuxLine bool   // default: Parameters.InsertAlmaLinuxLine
	NoBackup            bool
}

// DeleteFile is a delete_files entry.
type DeleteFile struct {
	At
	FileName string
}

// RunScript is a run_script entry: a shell script from the config's
// scripts/ directory. It is never run here.
type RunScript struct {
	At
	Script string
	Cwd    string // "rpms" (default) or "autopatch"
}

// AddLine is an add_line entry: Content put at the top or bottom of a
// spec section.
type AddLine struct {
	At
	Target     string // "spec"
	Section    string // global, description, prep, build, install, files, ...
	Location   string // "top" or "bottom"
	Content    string
	Subpackage string
}

// Kind returns "replace".
func (*Replace) Kind() string { return "replace" }

// Kind returns "delete_line".
func (*DeleteLine) Kind() string { return "delete_line" }

// Kind returns "modify_release".
func (*ModifyRelease) Kind() string { return "modify_release" }

// Kind returns "changelog_entry".
func (*ChangelogEntry) Kind() string { return "changelog_entry" }

// Kind returns "add_files".
func (*AddFile) Kind() string { return "add_files" }

// Kind returns "delete_files".
func (*DeleteFile) Kind() string { return "delete_files" }

// Kind returns "run_script".
func (*RunScript) Kind() string { return "run_script" }

// Kind returns "add_line".
func (*AddLine) Kind() string { return "add_line" }

// Parse reads one autopatch config. name is used in positions.
func Parse(name string, r io.Reader) (*Config, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxConfigSize+1))
	if err != nil {
		return nil, &input.Error{Pos: input.Position{File: name}, Err: err}
	}
	if len(data) > MaxConfigSize {
		return nil, input.Errorf(input.Position{File: name}, "%w: config larger than %d bytes", input.ErrTooLarge, MaxConfigSize)
	}
	return ParseBytes(name, data)
}

// ParseBytes is Parse on a byte slice.
func ParseBytes(name string, data []byte) (*Config, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, yamlError(name, err)
	}
	p := &parser{file: name, budget: 1 << 16}
	cfg, err := p.config(&doc)
	if err != nil {
		return nil, err
	}
	return cfg, nil
}

// ParseFS reads every config of a package's autopatch directory dir in
// fsys: config.yaml and config-*.yaml, as autopatch-tool does. A config
// other than config.yaml must name its custom_target_branch (autopatch
// refuses it otherwise). Configs are returned config.yaml first, then by
// name.
func ParseFS(fsys fs.FS, dir string) ([]*Config, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		if e.Type().IsRegular() && strings.HasPrefix(n, "config") && strings.HasSuffix(n, ".yaml") {
			names = append(names, n)
		}
	}
	sort.Slice(names, func(i, j int) bool {
		if (names[i] == "config.yaml") != (names[j] == "config.yaml") {
			return names[i] == "config.yaml"
		}
		return names[i] < names[j]
	})
	var out []*Config
	for _, n := range names {
		p := path.Join(dir, n)
		f, err := fsys.Open(p)
		if err != nil {
			return nil, err
		}
		cfg, err := Parse(p, f)
		f.Close()
		if err != nil {
			return nil, err
		}
		if n != "config.yaml" && cfg.Parameters.CustomTargetBranch == "" {
			return nil, input.Errorf(input.Position{File: p}, "%w: %s is not config.yaml and sets no custom_target_branch", ErrConfig, n)
		}
		out = append(out, cfg)
	}
	return out, nil
}

// yamlError turns a YAML syntax error ("yaml: line N: ...") into a
// positioned error.
func yamlError(name string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	pos := input.Position{File: name}
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if i := strings.IndexByte(rest, ':'); i > 0 {
			if n, e := strconv.Atoi(rest[:i]); e == nil {
				pos.Line = n
				msg = strings.TrimSpace(rest[i+1:])
			}
		}
	}
	return input.Errorf(pos, "%w: %s", ErrConfig, msg)
}

type parser struct {
	file   string
	budget int // nodes left to visit (aliases cannot blow up)
}

func (p *parser) pos(n *yaml.Node) input.Position {
	return input.Position{File: p.file, Line: n.Line, Col: n.Column}
}

func (p *parser) errf(n *yaml.Node, format string, args ...any) error {
	return input.Errorf(p.pos(n), "%w: "+format, append([]any{ErrConfig}, args...)...)
}

// deref follows aliases and document nodes, charging the node budget.
func (p *parser) deref(n *yaml.Node) (*yaml.Node, error) {
	for k := 0; n != nil && (n.Kind == yaml.AliasNode || n.Kind == yaml.DocumentNode); k++ {
		if k > 64 {
			return nil, p.errf(n, "aliases nested too deep")
		}
		if n.Kind == yaml.AliasNode {
			n = n.Alias
		} else if len(n.Content) == 1 {
			n = n.Content[0]
		} else {
			return nil, p.errf(n, "empty document")
		}
	}
	p.budget--
	if p.budget < 0 {
		return nil, input.Errorf(p.pos(n), "%w: too many YAML nodes", input.ErrTooLarge)
	}
	return n, nil
}

// mapping returns the key/value pairs of a mapping node, the last value of
// a repeated key winning (as PyYAML).
func (p *parser) mapping(n *yaml.Node, what string, warn *[]string) ([]string, map[string][2]*yaml.Node, error) {
	if n.Kind != yaml.MappingNode {
		return nil, nil, p.errf(n, "%s: expected a mapping, got %s", what, kindName(n))
	}
	var keys []string
	m := map[string][2]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, err := p.deref(n.Content[i])
		if err != nil {
			return nil, nil, err
		}
		v, err := p.deref(n.Content[i+1])
		if err != nil {
			return nil, nil, err
		}
		if k.Kind != yaml.ScalarNode {
			return nil, nil, p.errf(k, "%s: keys must be strings", what)
		}
		if _, dup := m[k.Value]; dup {
			*warn = append(*warn, fmt.Sprintf("%s: %s: key %q given twice; the last wins", p.pos(k), what, k.Value))
		} else {
			keys = append(keys, k.Value)
		}
		m[k.Value] = [2]*yaml.Node{k, v}
	}
	return keys, m, nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return scalarType(n)
	}
	return "nothing"
}

// scalarType names a scalar's type as Python would after PyYAML (str,
// int, bool, float, NoneType).
func scalarType(n *yaml.Node) string {
	switch n.ShortTag() {
	case "!!int":
		return "int"
	case "!!bool":
		return "bool"
	case "!!float":
		return "float"
	case "!!null":
		return "NoneType"
	case "!!str":
		if n.Style == 0 && yaml11Bool(n.Value) != nil {
			return "bool" // YAML 1.1 (PyYAML): yes/no/on/off
		}
		return "str"
	}
	return strings.TrimPrefix(n.ShortTag(), "!!")
}

func yaml11Bool(s string) *bool {
	t, f := true, false
	switch s {
	case "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE":
		return &t
	case "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE":
		return &f
	}
	return nil
}

func (p *parser) config(doc *yaml.Node) (*Config, error) {
	cfg := &Config{File: p.file, Parameters: Parameters{InsertAlmaLinuxLine: true}}
	if doc.Kind == 0 || (doc.Kind == yaml.DocumentNode && len(doc.Content) == 0) {
		return nil, input.Errorf(input.Position{File: p.file}, "%w: missing 'actions' section", ErrConfig)
	}
	root, err := p.deref(doc)
	if err != nil {
		return nil, err
	}
	_, top, err := p.mapping(root, "config", &cfg.Warnings)
	if err != nil {
		return nil, err
	}
	if kv, ok := top["parameters"]; ok && kv[1].ShortTag() != "!!null" {
		if err := p.parameters(kv[1], &cfg.Parameters, &cfg.Warnings); err != nil {
			return nil, err
		}
	}
	kv, ok := top["actions"]
	if !ok {
		return nil, p.errf(root, "missing 'actions' section")
	}
	acts := kv[1]
	if acts.ShortTag() == "!!null" {
		return nil, p.errf(kv[0], "'actions' section cannot be None")
	}
	if acts.Kind != yaml.SequenceNode {
		return nil, p.errf(acts, "actions must be a list of mappings, got %s", kindName(acts))
	}
	for _, a := range acts.Content {
		a, err := p.deref(a)
		if err != nil {
			return nil, err
		}
		if a.Kind != yaml.MappingNode {
			return nil, p.errf(a, "invalid action format: expected a mapping, got %s", kindName(a))
		}
		keys, m, err := p.mapping(a, "action", &cfg.Warnings)
		if err != nil {
			return nil, err
		}
		for _, typ := range keys {
			k, entries := m[typ][0], m[typ][1]
			mk, known := entryMakers[typ]
			if !known {
				return nil, p.errf(k, "unknown action type: %s", typ)
			}
			if entries.Kind != yaml.SequenceNode {
				return nil, p.errf(entries, "action entries for '%s' must be a list", typ)
			}
			for _, en := range entries.Content {
				en, err := p.deref(en)
				if err != nil {
					return nil, err
				}
				e := &entry{p: p, node: en, typ: typ, warn: &cfg.Warnings}
				act, err := mk(e, cfg.Parameters)
				if err != nil {
					return nil, err
				}
				cfg.Actions = append(cfg.Actions, act)
			}
		}
	}
	return cfg, nil
}

func (p *parser) parameters(n *yaml.Node, out *Parameters, warn *[]string) error {
	_, m, err := p.mapping(n, "parameters", warn)
	if err != nil {
		return err
	}
	bools := map[string]*bool{"insert_almalinux_line": &out.InsertAlmaLinuxLine, "pre_clean": &out.PreClean,
		"ignore_version_macros": &out.IgnoreVersionMacros, "ignore_release_macros": &out.IgnoreReleaseMacros}
	strs := map[string]*string{"custom_target_branch": &out.CustomTargetBranch, "tag_prefix": &out.TagPrefix,
		"el_version": &out.ELVersion, "rhel_version": &out.ELVersion}
	for k, kv := range m {
		v := kv[1]
		switch {
		case bools[k] != nil:
			b, ok := boolValue(v)
			if !ok {
				return p.errf(v, "parameter '%s': expected bool, got %s", k, kindName(v))
			}
			*bools[k] = b
		case strs[k] != nil:
			if k == "rhel_version" && m["el_version"][1] != nil {
				continue // el_version wins over the legacy alias
			}
			if v.Kind != yaml.ScalarNode {
				return p.errf(v, "parameter '%s': expected a string, got %s", k, kindName(v))
			}
			*strs[k] = v.Value
		default:
			*warn = append(*warn, fmt.Sprintf("%s: unknown parameter %q (autopatch ignores it)", p.pos(kv[0]), k))
		}
	}
	return nil
}

func boolValue(v *yaml.Node) (bool, bool) {
	if v.Kind != yaml.ScalarNode {
		return false, false
	}
	if v.ShortTag() == "!!bool" || (v.Style == 0 && v.ShortTag() == "!!str") {
		if b := yaml11Bool(v.Value); b != nil {
			return *b, true
		}
	}
	return false, false
}

// entry reads the keys of one action entry with autopatch's BaseEntry
// rules: no unknown keys, required keys present and non-empty, types
// checked.
type entry struct {
	p    *parser
	node *yaml.Node
	typ  string
	m    map[string][2]*yaml.Node
	warn *[]string
}

func (e *entry) errf(n *yaml.Node, format string, args ...any) error {
	return e.p.errf(n, e.typ+": "+format, args...)
}

// check validates the keys against allowed (name → type: str, int, bool,
// list, int|str) and required.
func (e *entry) check(allowed map[string]string, required ...string) error {
	keys, m, err := e.p.mapping(e.node, e.typ+" entry", e.warn)
	if err != nil {
		return err
	}
	e.m = m
	for _, k := range keys {
		if _, ok := allowed[k]; !ok {
			names := make([]string, 0, len(allowed))
			for a := range allowed {
				names = append(names, a)
			}
			sort.Strings(names)
			return e.errf(m[k][0], "unexpected key %q (allowed: %s)", k, strings.Join(names, ", "))
		}
	}
	for _, k := range required {
		if _, ok := m[k]; !ok {
			return e.errf(e.node, "missing required key %q", k)
		}
	}
	for k, typ := range allowed {
		kv, ok := m[k]
		if !ok || kv[1].ShortTag() == "!!null" {
			continue
		}
		got := kindName(kv[1])
		switch {
		case kv[1].Kind == yaml.SequenceNode:
			got = "list"
		case kv[1].Kind == yaml.MappingNode:
			got = "dict"
		}
		if !strings.Contains("|"+typ+"|", "|"+got+"|") {
			return e.errf(kv[1], "invalid type for '%s': expected %s, got %s", k, strings.ReplaceAll(typ, "|", ", "), got)
		}
	}
	for _, k := range required {
		v := m[k][1]
		if allowed[k] == "bool" {
			continue
		}
		if v.ShortTag() == "!!null" || (v.Kind == yaml.ScalarNode && v.Value == "") || (v.Kind == yaml.SequenceNode && len(v.Content) == 0) {
			return e.errf(v, "value for '%s' cannot be empty", k)
		}
	}
	return nil
}

func (e *entry) has(k string) bool { _, ok := e.m[k]; return ok && e.m[k][1].ShortTag() != "!!null" }

func (e *entry) str(k, def string) string {
	if !e.has(k) {
		return def
	}
	return e.m[k][1].Value
}

func (e *entry) boolean(k string, def bool) bool {
	if !e.has(k) {
		return def
	}
	b, _ := boolValue(e.m[k][1])
	return b
}

func (e *entry) integer(k string, def int) (int, error) {
	if !e.has(k) {
		return def, nil
	}
	v := e.m[k][1]
	n, err := strconv.ParseInt(strings.ReplaceAll(v.Value, "_", ""), 0, 32)
	if err != nil {
		return 0, e.errf(v, "'%s': %q is not an integer", k, v.Value)
	}
	return int(n), nil
}

func (e *entry) strings(k string) ([]string, error) {
	if !e.has(k) {
		return nil, nil
	}
	var out []string
	for _, it := range e.m[k][1].Content {
		it, err := e.p.deref(it)
		if err != nil {
			return nil, err
		}
		if it.Kind != yaml.ScalarNode || it.ShortTag() == "!!null" {
			return nil, e.errf(it, "'%s' items must be strings, got %s", k, kindName(it))
		}
		out = append(out, it.Value)
	}
	return out, nil
}

func (e *entry) at() At { return At{e.p.pos(e.node)} }

// entryMakers build each action type from its entry, with autopatch's
// per-type validation.
var entryMakers = map[string]func(e *entry, params Parameters) (Action, error){
	"replace": func(e *entry, _ Parameters) (Action, error) {
		if err := e.check(map[string]string{"target": "str", "find": "str", "rfind": "str", "replace": "str", "count": "int"}, "target", "replace"); err != nil {
			return nil, err
		}
		switch {
		case !e.has("find") && !e.has("rfind"):
			return nil, e.errf(e.node, "either 'find' or 'rfind' must be given")
		case e.has("find") && e.has("rfind"):
			return nil, e.errf(e.m["rfind"][0], "only one of 'find' or 'rfind' can be given, not both")
		case e.str("find", "") == "" && e.str("rfind", "") == "":
			return nil, e.errf(e.node, "value for 'find' or 'rfind' cannot be empty")
		}
		n, err := e.integer("count", -1)
		if err != nil {
			return nil, err
		}
		return &Replace{At: e.at(), Target: e.str("target", ""), Find: e.str("find", ""), RFind: e.str("rfind", ""),
			Replacement: e.str("replace", ""), Count: n}, nil
	},
	"delete_line": func(e *entry, _ Parameters) (Action, error) {
		if err := e.check(map[string]string{"target": "str", "lines": "list"}, "target", "lines"); err != nil {
			return nil, err
		}
		lines, err := e.strings("lines")
		if err != nil {
			return nil, err
		}
		return &DeleteLine{At: e.at(), Target: e.str("target", ""), Lines: lines}, nil
	},
	"modify_release": func(e *entry, _ Parameters) (Action, error) {
		if err := e.check(map[string]string{"suffix": "str", "enabled": "bool", "auto_increment": "bool"}, "suffix"); err != nil {
			return nil, err
		}
		a := &ModifyRelease{At: e.at(), Suffix: e.str("suffix", ""), Enabled: e.boolean("enabled", true), AutoIncrement: e.boolean("auto_increment", false)}
		if a.AutoIncrement && (a.Suffix == "" || !isDigit(a.Suffix[len(a.Suffix)-1])) {
			return nil, e.errf(e.m["suffix"][1], "suffix %q must end with a number when auto_increment is enabled", a.Suffix)
		}
		return a, nil
	},
	"changelog_entry": func(e *entry, _ Parameters) (Action, error) {
		if err := e.check(map[string]string{"name": "str", "email": "str", "line": "list"}, "name", "email", "line"); err != nil {
			return nil, err
		}
		lines, err := e.strings("line")
		if err != nil {
			return nil, err
		}
		return &ChangelogEntry{At: e.at(), Name: e.str("name", ""), Email: e.str("email", ""), Lines: lines}, nil
	},
	"add_files": func(e *entry, params Parameters) (Action, error) {
		if err := e.check(map[string]string{"type": "str", "name": "str", "number": "int|str", "modify_spec": "bool",
			"insert_almalinux_line": "bool", "no_backup": "bool"}, "type", "name"); err != nil {
			return nil, err
		}
		a := &AddFile{At: e.at(), Type: e.str("type", ""), Name: e.str("name", ""), ModifySpec: e.boolean("modify_spec", true),
			InsertAlmaLinuxLine: e.boolean("insert_almalinux_line", params.InsertAlmaLinuxLine), NoBackup: e.boolean("no_backup", false)}
		if a.Type != "patch" && a.Type != "source" {
			return nil, e.errf(e.m["type"][1], "invalid file type %q (allowed: patch, source)", a.Type)
		}
		if e.has("number") {
			v := e.m["number"][1]
			if v.ShortTag() == "!!int" {
				n, err := e.integer("number", 0)
				if err != nil {
					return nil, err
				}
				if n < 1 {
					return nil, e.errf(v, "invalid value for 'number': must be greater than 0")
				}
				a.Number = n
			} else if v.Value != "Latest" {
				return nil, e.errf(v, "invalid value for 'number': must be an integer or 'Latest'")
			}
		}
		return a, nil
	},
	"delete_files": func(e *entry, _ Parameters) (Action, error) {
		if err := e.check(map[string]string{"file_name": "str"}, "file_name"); err != nil {
			return nil, err
		}
		return &DeleteFile{At: e.at(), FileName: e.str("file_name", "")}, nil
	},
	"run_script": func(e *entry, _ Parameters) (Action, error) {
		if err := e.check(map[string]string{"script": "str", "cwd": "str"}, "script"); err != nil {
			return nil, err
		}
		a := &RunScript{At: e.at(), Script: e.str("script", ""), Cwd: e.str("cwd", "rpms")}
		if a.Cwd != "rpms" && a.Cwd != "autopatch" {
			return nil, e.errf(e.m["cwd"][1], "invalid value for 'cwd': must be 'rpms' or 'autopatch'")
		}
		return a, nil
	},
	"add_line": func(e *entry, _ Parameters) (Action, error) {
		if err := e.check(map[string]string{"target": "str", "section": "str", "location": "str", "content": "str", "subpackage": "str"},
			"target", "section", "location", "content"); err != nil {
			return nil, err
		}
		a := &AddLine{At: e.at(), Target: e.str("target", ""), Section: e.str("section", ""), Location: e.str("location", ""),
			Content: e.str("content", ""), Subpackage: e.str("subpackage", "")}
		if a.Target != "spec" {
			return nil, e.errf(e.m["target"][1], "invalid target %q: only 'spec' is supported", a.Target)
		}
		if a.Location != "top" && a.Location != "bottom" {
			return nil, e.errf(e.m["location"][1], "invalid location %q: must be 'top' or 'bottom'", a.Location)
		}
		return a, nil
	},
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
