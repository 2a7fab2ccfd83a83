package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
)

// Lines are stored as a uvarint count followed by, per line, its hash (8
// bytes, big-endian, ascending) and its count (zigzag varint).

// maxLines bounds the lines of one decoded change (a guard against a
// damaged length; fingerprinting caps blobs far below this).
const maxLines = 1 << 24

// encodeLines appends the encoding of ls to b.
func encodeLines(b []byte, ls []Line) []byte {
	b = binary.AppendUvarint(b, uint64(len(ls)))
	for _, l := range ls {
		b = binary.BigEndian.AppendUint64(b, l.Hash)
		b = binary.AppendVarint(b, int64(l.Count))
	}
	return b
}

// decodeLines appends the lines encoded in b to out.
func decodeLines(b []byte, out []Line) ([]Line, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > maxLines || n > uint64(len(b)) {
		return out, errors.New("bad line count")
	}
	b = b[k:]
	start := len(out)
	for range n {
		if len(b) < 9 {
			return out, errors.New("truncated lines")
		}
		h := binary.BigEndian.Uint64(b)
		if len(out) > start && out[len(out)-1].Hash >= h {
			return out, errors.New("lines not sorted by hash")
		}
		c, k := binary.Varint(b[8:])
		if k <= 0 || c < math.MinInt32 || c > math.MaxInt32 || c == 0 {
			return out, errors.New("bad line count")
		}
		out = append(out, Line{h, int32(c)})
		b = b[8+k:]
	}
	if len(b) != 0 {
		return out, errors.New("trailing bytes after lines")
	}
	return out, nil
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// rowSum is a CRC-32C over the fields of a row, each length-prefixed.
type rowSum struct{ crc uint32 }

func (s *rowSum) bytes(b []byte) {
	var n [binary.MaxVarintLen64]byte
	s.crc = crc32.Update(s.crc, castagnoli, n[:binary.PutUvarint(n[:], uint64(len(b)))])
	s.crc = crc32.Update(s.crc, castagnoli, b)
}

func (s *rowSum) str(v string) { s.bytes([]byte(v)) }

func (s *rowSum) int(v int64) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(v))
	s.bytes(n[:])
}

// changeSum is the checksum of a change row as stored.
func changeSum(commit, path, oldPath, oldBlob, newBlob []byte, opaque int64, lines []byte) int64 {
	var s rowSum
	s.bytes(commit)
	s.bytes(path)
	s.bytes(oldPath)
	s.bytes(oldBlob)
	s.bytes(newBlob)
	s.int(opaque)
	s.bytes(lines)
	return int64(s.crc)
}

// commitSum is the checksum of a commit row as stored (the indexed flag
// is not covered: it changes in place).
func commitSum(id, parents []byte, author, email string, when, tz int64, subject string) int64 {
	var s rowSum
	s.bytes(id)
	s.bytes(parents)
	s.str(author)
	s.str(email)
	s.int(when)
	s.int(tz)
	s.str(subject)
	return int64(s.crc)
}

// idBytes returns the bytes stored for an object id: nil for the zero id.
func idBytes(id ID) []byte {
	if id.IsZero() {
		return nil
	}
	return append([]byte(nil), id[:]...)
}

// toID converts stored bytes back to an id.
func toID(b []byte) (ID, error) {
	var id ID
	switch len(b) {
	case 0:
		return id, nil
	case len(id):
		copy(id[:], b)
		return id, nil
	}
	return id, fmt.Errorf("object id of %d bytes", len(b))
}

// joinIDs concatenates ids.
func joinIDs(ids []ID) []byte {
	b := make([]byte, 0, len(ids)*len(ID{}))
	for _, id := range ids {
		b = append(b, id[:]...)
	}
	return b
}

// splitIDs is the inverse of joinIDs.
func splitIDs(b []byte) ([]ID, error) {
	if len(b)%len(ID{}) != 0 {
		return nil, fmt.Errorf("id list of %d bytes", len(b))
	}
	out := make([]ID, len(b)/len(ID{}))
	for i := range out {
		copy(out[i][:], b[i*len(ID{}):])
	}
	return out, nil
}
