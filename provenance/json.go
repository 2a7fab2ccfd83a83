package provenance

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
)

// Schema names the version of the JSON form written by [Graph.WriteJSON].
// A change that breaks readers gets a new version.
const Schema = "patchtrace/graph/v1"

// ErrSchema is returned (wrapped) by [ReadJSON] for a document whose
// "schema" is not [Schema].
var ErrSchema = errors.New("provenance: unsupported graph schema")

type graphJSON struct {
	Schema string  `json:"schema"`
	Target string  `json:"target"`
	Nodes  []*Node `json:"nodes"`
	Edges  []*Edge `json:"edges"`
}

// MarshalJSON encodes the graph in its stable, versioned JSON form:
// {"schema": "patchtrace/graph/v1", "target", "nodes", "edges"}, nodes sorted
// by ID and edges by (from, kind, to), scores rounded to 4 decimals, so that
// two runs over the same input give byte-identical output.
func (g *Graph) MarshalJSON() ([]byte, error) {
	doc := graphJSON{Schema: Schema, Target: g.Target, Nodes: g.Nodes(), Edges: g.Edges()}
	for i, e := range doc.Edges {
		c := *e
		c.Score = math.Round(c.Score*10000) / 10000
		doc.Edges[i] = &c
	}
	if doc.Nodes == nil {
		doc.Nodes = []*Node{}
	}
	if doc.Edges == nil {
		doc.Edges = []*Edge{}
	}
	return json.Marshal(doc)
}

// WriteJSON writes the graph's JSON form (see [Graph.MarshalJSON]),
// indented by two spaces and ending with a newline.
func (g *Graph) WriteJSON(w io.Writer) error {
	b, err := g.MarshalJSON()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		return err
	}
	buf.WriteByte('\n')
	_, err = w.Write(buf.Bytes())
	return err
}

// UnmarshalJSON decodes the JSON form written by [Graph.MarshalJSON]. It
// fails with [ErrSchema] for another schema, and on edges whose ends are
// not nodes of the document.
func (g *Graph) UnmarshalJSON(data []byte) error {
	var doc graphJSON
	if err := json.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("provenance: decoding graph: %w", err)
	}
	if doc.Schema != Schema {
		return fmt.Errorf("%w: %q (want %q)", ErrSchema, doc.Schema, Schema)
	}
	*g = *NewGraph(doc.Target)
	for i, n := range doc.Nodes {
		if n == nil || n.ID == "" {
			return fmt.Errorf("provenance: decoding graph: node %d has no id", i)
		}
		if _, dup := g.nodes[n.ID]; dup {
			return fmt.Errorf("provenance: decoding graph: duplicate node %q", n.ID)
		}
		g.AddNode(*n)
	}
	for i, e := range doc.Edges {
		if e == nil || g.nodes[e.From] == nil || g.nodes[e.To] == nil {
			return fmt.Errorf("provenance: decoding graph: edge %d joins unknown nodes", i)
		}
		g.AddEdge(*e)
	}
	return nil
}

// ReadJSON reads a graph written by [Graph.WriteJSON].
func ReadJSON(r io.Reader) (*Graph, error) {
	data, err := io.ReadAll(io.LimitReader(r, 1<<30))
	if err != nil {
		return nil, fmt.Errorf("provenance: reading graph: %w", err)
	}
	g := new(Graph)
	if err := g.UnmarshalJSON(data); err != nil {
		return nil, err
	}
	return g, nil
}
