package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"

	bolt "go.etcd.io/bbolt"
)

// boltIndex is the Index on go.etcd.io/bbolt, kept only to measure it
// against the SQLite store (BenchmarkEngines): keys are commit ids and
// (commit, path) pairs, with two secondary buckets from path (and
// rename source) to commit; ranges are walked in Go over the commits
// bucket. bbolt locks its file for one writing process at a time.
type boltIndex struct {
	db   *bolt.DB
	path string
}

var (
	bCommits = []byte("commits")
	bChanges = []byte("changes")
	bByPath  = []byte("bypath")
	bByOld   = []byte("byold")
)

func openBolt(path string) (*boltIndex, error) {
	db, err := bolt.Open(path, 0o644, &bolt.Options{NoFreelistSync: true})
	if err != nil {
		return nil, err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bCommits, bChanges, bByPath, bByOld} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, err
	}
	return &boltIndex{db: db, path: path}, nil
}

func (x *boltIndex) Close() error { return x.db.Close() }

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func readStr(b []byte) (string, []byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || uint64(len(b)-k) < n {
		return "", nil, errors.New("bad string")
	}
	return string(b[k : k+int(n)]), b[k+int(n):], nil
}

func encodeCommit(c Commit, indexed bool) []byte {
	b := []byte{0}
	if indexed {
		b[0] = 1
	}
	b = appendStr(b, string(joinIDs(c.Parents)))
	b = appendStr(b, c.Author)
	b = appendStr(b, c.Email)
	b = binary.AppendVarint(b, c.When)
	b = binary.AppendVarint(b, int64(c.TZ))
	return appendStr(b, c.Subject)
}

func decodeCommit(id []byte, b []byte) (Commit, error) {
	var c Commit
	copy(c.ID[:], id)
	c.Indexed = b[0] == 1
	b = b[1:]
	parents, b, err := readStr(b)
	if err != nil {
		return c, err
	}
	if c.Parents, err = splitIDs([]byte(parents)); err != nil {
		return c, err
	}
	if c.Author, b, err = readStr(b); err != nil {
		return c, err
	}
	if c.Email, b, err = readStr(b); err != nil {
		return c, err
	}
	var k int
	c.When, k = binary.Varint(b)
	b = b[k:]
	tz, k := binary.Varint(b)
	c.TZ = int32(tz)
	c.Subject, _, err = readStr(b[k:])
	return c, err
}

func (x *boltIndex) Known(ctx context.Context, ids []ID) (map[ID]bool, error) {
	out := map[ID]bool{}
	err := x.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bCommits)
		for _, id := range ids {
			if v := b.Get(id[:]); v != nil {
				out[id] = v[0] == 1
			}
		}
		return nil
	})
	return out, err
}

func (x *boltIndex) PutCommits(ctx context.Context, commits []Commit) error {
	return x.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bCommits)
		for _, c := range commits {
			if b.Get(c.ID[:]) == nil {
				if err := b.Put(c.ID[:], encodeCommit(c, false)); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func (x *boltIndex) PutChanges(ctx context.Context, ids []ID, changes []Change) error {
	return x.db.Update(func(tx *bolt.Tx) error {
		cb, ch, bp, bo := tx.Bucket(bCommits), tx.Bucket(bChanges), tx.Bucket(bByPath), tx.Bucket(bByOld)
		for _, c := range changes {
			v := cb.Get(c.Commit[:])
			if v == nil {
				return errors.New("commit not stored")
			}
			if v[0] == 1 {
				continue
			}
			key := append(append([]byte(nil), c.Commit[:]...), c.Path...)
			val := appendStr(nil, c.OldPath)
			val = appendStr(val, string(idBytes(c.Old)))
			val = appendStr(val, string(idBytes(c.New)))
			if c.Opaque {
				val = append(val, 1)
			} else {
				val = append(val, 0)
			}
			val = encodeLines(val, c.Lines)
			if err := ch.Put(key, val); err != nil {
				return err
			}
			if err := bp.Put(append(append([]byte(c.Path), 0), c.Commit[:]...), nil); err != nil {
				return err
			}
			if c.OldPath != "" {
				if err := bo.Put(append(append(append([]byte(c.OldPath), 0), c.Commit[:]...), c.Path...), nil); err != nil {
					return err
				}
			}
		}
		for _, id := range ids {
			v := cb.Get(id[:])
			if v == nil {
				return errors.New("commit not stored")
			}
			nv := append([]byte(nil), v...)
			nv[0] = 1
			if err := cb.Put(id[:], nv); err != nil {
				return err
			}
		}
		return nil
	})
}

func (x *boltIndex) Reachable(ctx context.Context, tips, stops []ID) ([]Commit, error) {
	var out []Commit
	err := x.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bCommits)
		walk := func(from []ID, visit func(Commit)) error {
			seen := map[ID]bool{}
			stack := append([]ID(nil), from...)
			for len(stack) > 0 {
				id := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				if seen[id] {
					continue
				}
				seen[id] = true
				v := b.Get(id[:])
				if v == nil {
					continue
				}
				c, err := decodeCommit(id[:], v)
				if err != nil {
					return err
				}
				visit(c)
				stack = append(stack, c.Parents...)
			}
			return nil
		}
		excl := map[ID]bool{}
		if err := walk(stops, func(c Commit) { excl[c.ID] = true }); err != nil {
			return err
		}
		return walk(tips, func(c Commit) {
			if !excl[c.ID] {
				out = append(out, c)
			}
		})
	})
	return out, err
}

func (x *boltIndex) Changes(ctx context.Context, paths []string, fn func(*Change) error) error {
	return x.db.View(func(tx *bolt.Tx) error {
		ch := tx.Bucket(bChanges)
		emit := func(commit []byte, path string) error {
			v := ch.Get(append(append([]byte(nil), commit...), path...))
			if v == nil {
				return ErrCorrupt
			}
			var c Change
			copy(c.Commit[:], commit)
			c.Path = path
			var s string
			var err error
			if c.OldPath, v, err = readStr(v); err != nil {
				return err
			}
			if s, v, err = readStr(v); err != nil {
				return err
			}
			c.Old, _ = toID([]byte(s))
			if s, v, err = readStr(v); err != nil {
				return err
			}
			c.New, _ = toID([]byte(s))
			c.Opaque = v[0] == 1
			if c.Lines, err = decodeLines(v[1:], nil); err != nil {
				return err
			}
			return fn(&c)
		}
		for _, p := range paths {
			prefix := append([]byte(p), 0)
			cur := tx.Bucket(bByPath).Cursor()
			for k, _ := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = cur.Next() {
				if err := emit(k[len(prefix):], p); err != nil {
					return err
				}
			}
			cur = tx.Bucket(bByOld).Cursor()
			for k, _ := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = cur.Next() {
				rest := k[len(prefix):]
				if err := emit(rest[:20], string(rest[20:])); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func (x *boltIndex) Stats(ctx context.Context) (Stats, error) {
	var s Stats
	err := x.db.View(func(tx *bolt.Tx) error {
		s.Commits = int64(tx.Bucket(bCommits).Stats().KeyN)
		s.Changes = int64(tx.Bucket(bChanges).Stats().KeyN)
		return tx.Bucket(bCommits).ForEach(func(k, v []byte) error {
			if v[0] == 1 {
				s.Indexed++
			}
			return nil
		})
	})
	if fi, ferr := os.Stat(x.path); ferr == nil {
		s.Bytes = fi.Size()
	}
	return s, err
}
