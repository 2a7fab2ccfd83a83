package gitobj

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/object"
)

// Commit is what history walks need of a commit: its tree, parents,
// author, committer and subject, parsed from the raw object.
type Commit struct {
	// Hash is the commit's id (zero from ParseCommit; set by ReadCommit).
	Hash plumbing.Hash
	// Tree is the commit's root tree.
	Tree plumbing.Hash
	// Parents are the parent commits in order (first parent first).
	Parents []plumbing.Hash
	// Author and Committer are the signature lines.
	Author, Committer Signature
	// Subject is the first line of the message, trimmed.
	Subject string
}

// Signature is a person and a time of a commit header.
type Signature struct {
	// Name and Email are as written.
	Name, Email string
	// When is the time in Unix seconds; Zone its offset in seconds east
	// of UTC.
	When int64
	Zone int32
}

// Time returns the signature's time in its own zone.
func (s Signature) Time() time.Time {
	return time.Unix(s.When, 0).In(time.FixedZone("", int(s.Zone)))
}

// ParseCommit decodes a raw commit object. A missing tree line or a
// malformed tree or parent id is an error wrapping ErrMalformed.
func ParseCommit(raw []byte) (*Commit, error) {
	c := &Commit{}
	for len(raw) > 0 {
		i := bytes.IndexByte(raw, '\n')
		var line []byte
		if i < 0 {
			line, raw = raw, nil
		} else {
			line, raw = raw[:i], raw[i+1:]
		}
		if len(line) == 0 {
			break // end of headers
		}
		key, val, _ := bytes.Cut(line, []byte(" "))
		switch string(key) {
		case "tree":
			h, ok := parseHex(val)
			if !ok {
				return nil, fmt.Errorf("%w: malformed tree line", ErrMalformed)
			}
			c.Tree = h
		case "parent":
			h, ok := parseHex(val)
			if !ok {
				return nil, fmt.Errorf("%w: malformed parent line", ErrMalformed)
			}
			c.Parents = append(c.Parents, h)
		case "author":
			c.Author = parseSignature(val)
		case "committer":
			c.Committer = parseSignature(val)
		}
	}
	if c.Tree.IsZero() {
		return nil, fmt.Errorf("%w: no tree line", ErrMalformed)
	}
	subj, _, _ := bytes.Cut(bytes.TrimLeft(raw, "\n"), []byte("\n"))
	c.Subject = strings.TrimSpace(string(subj))
	return c, nil
}

func parseSignature(val []byte) Signature {
	var sig object.Signature
	sig.Decode(val)
	_, zone := sig.When.Zone()
	return Signature{Name: sig.Name, Email: sig.Email, When: sig.When.Unix(), Zone: int32(zone)}
}

// parseHex parses a full 40-digit hex object id.
func parseHex(b []byte) (plumbing.Hash, bool) {
	if len(b) != 40 {
		return plumbing.ZeroHash, false
	}
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return plumbing.ZeroHash, false
		}
	}
	return plumbing.NewHash(string(b)), true
}
