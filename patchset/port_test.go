package patchset

import (
	"fmt"
	"strings"
	"testing"
)

func TestLineShape(t *testing.T) {
	h1, ids1, ok1 := LineShape(`if(pool_full(data, pool)) {`)
	h2, ids2, ok2 := LineShape(`if (pool_full(conn,   cache)){`)
	if !ok1 || !ok2 || h1 != h2 {
		t.Errorf("renamed lines differ in shape: %x %v / %x %v", h1, ids1, h2, ids2)
	}
	if fmt.Sprint(ids1) != "[pool_full data pool]" || fmt.Sprint(ids2) != "[pool_full conn cache]" {
		t.Errorf("identifiers %v %v", ids1, ids2)
	}
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{`x = f(x);`, `y = g(y);`, true},
		{`x = f(x);`, `y = g(z);`, false},                        // repeated identifier is part of the shape
		{`return foo(a);`, `return foo(a, b);`, false},           // structure differs
		{`if (a) return 1;`, `while (a) return 1;`, false},       // keywords are kept
		{`log("closing %d", n);`, `log("closed %d", n);`, false}, // literals are kept
		{`n = a /* count */;`, `m = b /*count*/;`, true},         // comments kept, whitespace not
		{`s = 'x';`, `t = 'x';`, true},
		{`s = "it's";`, `t = "it's";`, true},
	} {
		ha, _, _ := LineShape(tc.a)
		hb, _, _ := LineShape(tc.b)
		if (ha == hb) != tc.same {
			t.Errorf("LineShape(%q) == LineShape(%q): %v, want %v", tc.a, tc.b, ha == hb, tc.same)
		}
	}
	for _, l := range []string{"}", "break;", "x", `"only a string"`, "", "#endif"} {
		if _, _, ok := LineShape(l); ok {
			t.Errorf("LineShape(%q) has substance", l)
		}
	}
	// Hostile input: unterminated literals and comments.
	for _, l := range []string{`"abc`, `'`, `/* open`, `a /`, `\`, "x\x00y"} {
		LineShape(l)
	}
}

// The upstream fix, written for this test in the shape of a fix that a
// refactoring separates from the old code it is backported to: upstream
// passes `data`, names the pool `cpool` and keeps it in its own file; the
// old code passes `conn`, calls the pool `connc`, keeps it in main.c and
// names the functions after the old connection cache.
const portUpstream = `--- a/src/cpool.c
+++ b/src/cpool.c
@@ -120,3 +120,8 @@ int Curl_cpool_add(struct session *data, struct cpool *cpool)
 {
+  if(Curl_cpool_limit_reached(data, cpool)) {
+    infof(data, "pool full, closing %d", cpool->num_conn);
+    Curl_cpool_evict_oldest(data, cpool);
+  }
+  cpool->num_conn++;
   return 0;
 }
--- a/src/main.c
+++ b/src/main.c
@@ -40,2 +40,3 @@ int setup(struct session *data)
   struct cpool *cpool = &data->cpool;
+  Curl_cpool_init(data, cpool, 25);
   return 0;
`

const portBackport = `--- a/src/main.c
+++ b/src/main.c
@@ -40,2 +40,3 @@ int setup(struct connectdata *conn)
   struct conncache *connc = &conn->connc;
+  Curl_conncache_init(conn, connc, 25);
   return 0;
@@ -800,3 +801,8 @@ int Curl_conncache_add(struct connectdata *conn, struct conncache *connc)
 {
+  if(Curl_conncache_limit_reached(conn, connc)) {
+    infof(conn, "pool full, closing %d", connc->num_conn);
+    Curl_conncache_evict_oldest(conn, connc);
+  }
+  connc->num_conn++;
   return 0;
 }
`

func changesOf(t testing.TB, text string) []FileChange {
	t.Helper()
	ps, err := ParseBytes("p", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return ChangesFromPatches(ps, 1)
}

func TestComparePort(t *testing.T) {
	down, up := changesOf(t, portBackport), changesOf(t, portUpstream)
	pc := ComparePort(down, up)
	// "}" is exact; every other line renames cpool->connc and (but for
	// the last) data->conn, which several lines agree on, and at most one
	// function name, which the line's other identifiers vouch for.
	if pc.Exact != 1 || pc.Renamed != 5 || pc.Moved != 5 {
		t.Errorf("exact %d renamed %d moved %d, want 1, 5, 5", pc.Exact, pc.Renamed, pc.Moved)
	}
	if pc.InB != 1 || pc.InA != 1 {
		t.Errorf("InB %.2f InA %.2f, want 1", pc.InB, pc.InA)
	}
	want := "[{connc cpool 5} {conn data 4} {Curl_conncache_evict_oldest Curl_cpool_evict_oldest 1} " +
		"{Curl_conncache_init Curl_cpool_init 1} {Curl_conncache_limit_reached Curl_cpool_limit_reached 1}]"
	if got := fmt.Sprint(pc.Renames); got != want {
		t.Errorf("renames\n got %s\nwant %s", got, want)
	}
	// Character similarity gives the renamed lines part credit only: not
	// enough for a rebased verdict.
	if c := CompareChanges(down, up); c.InB >= RebasedThreshold {
		t.Errorf("CompareChanges finds %.2f; the test's premise is wrong", c.InB)
	}
	// Symmetric.
	back := ComparePort(up, down)
	if back.Exact != pc.Exact || back.Renamed != pc.Renamed || back.Renames[0] != (Rename{"cpool", "connc", 5}) {
		t.Errorf("reverse comparison %+v", back)
	}
}

func TestComparePortCoincidence(t *testing.T) {
	// Same shapes, but every rename is made once and they disagree: no
	// port, just common syntax.
	a := changesOf(t, `--- a/x.c
+++ b/x.c
@@ -1,1 +1,5 @@
 a
+  len = strlen(name);
+  off = lookup(table);
+  ret = check(len);
+  len = strlen(path);
`)
	b := changesOf(t, `--- a/y.c
+++ b/y.c
@@ -1,1 +1,5 @@
 a
+  n = strlen(s);
+  pos = find(map);
+  rc = verify(size);
+  size = strlen(buf);
`)
	if pc := ComparePort(a, b); pc.Renamed != 0 || pc.InB != 0 {
		t.Errorf("coincidental shapes matched: %+v", pc)
	}
}

// A condition rewritten around a flag that upstream renamed: the added
// line is the same but for the flag, and its other identifiers vouch for
// the rename. A lone "free(a)" / "free(b)" pair is not enough.
func TestComparePortSingleRename(t *testing.T) {
	a := changesOf(t, `--- a/lib/conn.c
+++ b/lib/conn.c
@@ -1,3 +1,3 @@
 if(!reuse ||
-   ((want->proto & PROTO_WEB) && wantAuth)) {
+   (wantAuth || old->auth.state != AUTHSTATE_NONE)) {
   compare(want, old);
@@ -9,2 +9,2 @@
 done:
-  free(name);
+  free(path);
`)
	b := changesOf(t, `--- a/lib/conn.c
+++ b/lib/conn.c
@@ -5,3 +5,3 @@
 if(!reuse ||
-   wantAuthWeb) {
+   (wantAuthWeb || old->auth.state != AUTHSTATE_NONE)) {
   compare(want, old);
@@ -20,2 +20,2 @@
 out:
-  free(buf);
+  free(str);
`)
	pc := ComparePort(a, b)
	if pc.Renamed != 1 || fmt.Sprint(pc.Renames) != "[{wantAuth wantAuthWeb 1}]" {
		t.Errorf("renamed %d %v, want the condition line only", pc.Renamed, pc.Renames)
	}
}

func TestComparePortIdentityWins(t *testing.T) {
	// data stays data in most lines; one line pairs it with conn: the
	// identity is the better-supported mapping, so that pair is refused.
	a := changesOf(t, `--- a/x.c
+++ b/x.c
@@ -1,1 +1,4 @@
 a
+  setup(data);
+  run(data, 1);
+  free_all(data, job);
`)
	b := changesOf(t, `--- a/x.c
+++ b/x.c
@@ -1,1 +1,4 @@
 a
+  setup(data);
+  run(data, 1);
+  free_all(conn, task);
`)
	pc := ComparePort(a, b)
	if pc.Exact != 2 || pc.Renamed != 0 {
		t.Errorf("exact %d renamed %d, want 2, 0 (%+v)", pc.Exact, pc.Renamed, pc.Renames)
	}
}

func TestComparePortSigns(t *testing.T) {
	// A removed line never pairs with an added one.
	a := changesOf(t, "--- a/x.c\n+++ b/x.c\n@@ -1,3 +1,1 @@\n-  f(data, x);\n-  g(data, x);\n a\n")
	b := changesOf(t, "--- a/x.c\n+++ b/x.c\n@@ -1,1 +1,3 @@\n+  f(conn, y);\n+  g(conn, y);\n a\n")
	if pc := ComparePort(a, b); pc.Exact+pc.Renamed != 0 {
		t.Errorf("removed lines matched added ones: %+v", pc)
	}
	if pc := ComparePort(nil, b); pc.InB != 0 || pc.InA != 0 {
		t.Errorf("empty side: %+v", pc)
	}
}

func BenchmarkComparePort(b *testing.B) {
	var up, down strings.Builder
	up.WriteString("--- a/src/new.c\n+++ b/src/new.c\n")
	down.WriteString("--- a/src/old.c\n+++ b/src/old.c\n")
	for h := range 100 {
		hdr := fmt.Sprintf("@@ -%d,1 +%d,6 @@\n ctx\n", 10*h+1, 10*h+1)
		up.WriteString(hdr)
		down.WriteString(hdr)
		for k := range 5 {
			fmt.Fprintf(&up, "+  rc%d = step_%d_%d(data, pool, %d);\n", k, h, k, k)
			fmt.Fprintf(&down, "+  rc%d = step_%d_%d(conn, cache, %d);\n", k, h, k, k)
		}
	}
	a, c := changesOf(b, down.String()), changesOf(b, up.String())
	b.ReportAllocs()
	for b.Loop() {
		ComparePort(a, c)
	}
}
