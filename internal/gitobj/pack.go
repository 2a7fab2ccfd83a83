package gitobj

import (
	"bufio"
	"compress/zlib"
	"container/list"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/format/idxfile"
)

// packSet reads objects straight from a repository's pack files.
//
// go-git's pack reader hashes every object it resolves from a delta (with
// SHA-1 collision detection) to key its cache, which made that hashing the
// largest cost of indexing a long history. packSet keys its cache of
// resolved objects by pack offset instead, so nothing is hashed, and it
// reads with ReadAt, so several goroutines can resolve objects at once
// without a lock. Objects it cannot find (loose objects) are left to
// go-git.
type packSet struct {
	packs []*pack
	cache *offsetCache
}

// pack is one .pack file and its .idx.
type pack struct {
	id   int
	f    *os.File
	idx  *idxfile.MemoryIndex
	size int64
}

// maxDeltaTarget bounds the size a delta may announce for its result:
// larger objects are never rebuilt in memory.
const maxDeltaTarget = 32 << 20

// maxDeltaChain bounds delta chains (git's default --depth is 50; some
// packs go deeper, none sanely beyond this).
const maxDeltaChain = 10000

// openPacks opens every pack of the git directory dir; it returns nil when
// there is none.
func openPacks(dir string, cacheBytes int64) (*packSet, error) {
	idxs, err := filepath.Glob(filepath.Join(dir, "objects", "pack", "pack-*.idx"))
	if err != nil || len(idxs) == 0 {
		return nil, err
	}
	sort.Strings(idxs)
	ps := &packSet{cache: newOffsetCache(cacheBytes)}
	for i, ip := range idxs {
		idx := idxfile.NewMemoryIndex()
		fi, err := os.Open(ip)
		if err != nil {
			ps.close()
			return nil, err
		}
		err = idxfile.NewDecoder(bufio.NewReader(fi)).Decode(idx)
		fi.Close()
		if err != nil {
			ps.close()
			return nil, fmt.Errorf("gitobj: %s: %w", ip, err)
		}
		pp := strings.TrimSuffix(ip, ".idx") + ".pack"
		f, err := os.Open(pp)
		if err != nil {
			ps.close()
			return nil, err
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			ps.close()
			return nil, err
		}
		ps.packs = append(ps.packs, &pack{id: i, f: f, idx: idx, size: st.Size()})
	}
	return ps, nil
}

func (ps *packSet) close() {
	for _, p := range ps.packs {
		p.f.Close()
	}
}

// errNotPacked says the object is in no pack (let go-git find it).
var errNotPacked = errors.New("object not in a pack")

// read returns the type and content of object h. The content may be shared
// with the cache and must not be modified.
func (ps *packSet) read(h plumbing.Hash, maxSize int64) (plumbing.ObjectType, []byte, error) {
	for _, p := range ps.packs {
		off, err := p.idx.FindOffset(h)
		if err != nil {
			continue
		}
		return ps.readAt(p, off, maxSize, 0)
	}
	return plumbing.InvalidObject, nil, errNotPacked
}

// entryHeader is the parsed header of one pack entry.
type entryHeader struct {
	typ     plumbing.ObjectType
	size    int64 // inflated size of the entry's data
	dataOff int64 // where the zlib stream starts
	baseOff int64 // OFS_DELTA base offset
	baseRef plumbing.Hash
}

func (p *pack) header(off int64) (entryHeader, error) {
	var buf [32]byte
	n, err := p.f.ReadAt(buf[:], off)
	if n == 0 && err != nil {
		return entryHeader{}, err
	}
	b := buf[:n]
	i := 0
	next := func() (byte, error) {
		if i >= len(b) {
			return 0, io.ErrUnexpectedEOF
		}
		c := b[i]
		i++
		return c, nil
	}
	c, err := next()
	if err != nil {
		return entryHeader{}, err
	}
	e := entryHeader{typ: plumbing.ObjectType((c >> 4) & 7), size: int64(c & 15)}
	shift := uint(4)
	for c&0x80 != 0 {
		if c, err = next(); err != nil {
			return e, err
		}
		if shift > 56 {
			return e, fmt.Errorf("pack entry at %d: size overflows", off)
		}
		e.size |= int64(c&0x7f) << shift
		shift += 7
	}
	switch e.typ {
	case plumbing.OFSDeltaObject:
		if c, err = next(); err != nil {
			return e, err
		}
		rel := int64(c & 0x7f)
		for c&0x80 != 0 {
			if c, err = next(); err != nil {
				return e, err
			}
			if rel > 1<<55 {
				return e, fmt.Errorf("pack entry at %d: base offset overflows", off)
			}
			rel = ((rel + 1) << 7) | int64(c&0x7f)
		}
		e.baseOff = off - rel
		if e.baseOff < 0 || e.baseOff >= off {
			return e, fmt.Errorf("pack entry at %d: bad base offset", off)
		}
	case plumbing.REFDeltaObject:
		if i+20 > len(b) {
			return e, io.ErrUnexpectedEOF
		}
		copy(e.baseRef[:], b[i:i+20])
		i += 20
	case plumbing.CommitObject, plumbing.TreeObject, plumbing.BlobObject, plumbing.TagObject:
	default:
		return e, fmt.Errorf("pack entry at %d: bad type %d", off, e.typ)
	}
	e.dataOff = off + int64(i)
	return e, nil
}

var (
	zlibPool  sync.Pool
	bufioPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 16<<10) }}
)

// inflate reads size bytes of zlib data at off.
func (p *pack) inflate(off, size int64) ([]byte, error) {
	sr := bufioPool.Get().(*bufio.Reader)
	sr.Reset(io.NewSectionReader(p.f, off, p.size-off))
	defer bufioPool.Put(sr)
	var zr io.ReadCloser
	if v := zlibPool.Get(); v != nil {
		zr = v.(io.ReadCloser)
		if err := zr.(zlib.Resetter).Reset(sr, nil); err != nil {
			return nil, err
		}
	} else {
		var err error
		if zr, err = zlib.NewReader(sr); err != nil {
			return nil, err
		}
	}
	defer zlibPool.Put(zr)
	out := make([]byte, size)
	if _, err := io.ReadFull(zr, out); err != nil {
		return nil, err
	}
	return out, nil
}

// readAt resolves the entry at off, following delta chains iteratively and
// caching every object it builds by (pack, offset).
func (ps *packSet) readAt(p *pack, off, maxSize int64, depth int) (plumbing.ObjectType, []byte, error) {
	if t, data, ok := ps.cache.get(p.id, off); ok {
		return t, data, nil
	}
	// Walk down the chain to a cached object or a full one.
	type link struct {
		off int64
		h   entryHeader
	}
	var chain []link
	var baseT plumbing.ObjectType
	var base []byte
	cur := off
	for {
		if len(chain)+depth > maxDeltaChain {
			return 0, nil, fmt.Errorf("gitobj: pack entry at %d: delta chain too long", off)
		}
		if t, data, ok := ps.cache.get(p.id, cur); ok {
			baseT, base = t, data
			break
		}
		h, err := p.header(cur)
		if err != nil {
			return 0, nil, fmt.Errorf("gitobj: pack entry at %d: %w", cur, err)
		}
		if h.typ == plumbing.OFSDeltaObject {
			chain = append(chain, link{cur, h})
			cur = h.baseOff
			continue
		}
		if h.typ == plumbing.REFDeltaObject {
			boff, err := p.idx.FindOffset(h.baseRef)
			if err != nil {
				return 0, nil, fmt.Errorf("gitobj: pack entry at %d: base %s not in this pack", cur, h.baseRef)
			}
			chain = append(chain, link{cur, h})
			cur = boff
			continue
		}
		if h.size > maxSize && len(chain) == 0 {
			return h.typ, nil, ErrTooBig
		}
		data, err := p.inflate(h.dataOff, h.size)
		if err != nil {
			return 0, nil, fmt.Errorf("gitobj: pack entry at %d: %w", cur, err)
		}
		baseT, base = h.typ, data
		ps.cache.put(p.id, cur, baseT, base)
		break
	}
	for i := len(chain) - 1; i >= 0; i-- {
		l := chain[i]
		d, err := p.inflate(l.h.dataOff, l.h.size)
		if err != nil {
			return 0, nil, fmt.Errorf("gitobj: pack entry at %d: %w", l.off, err)
		}
		obj, err := patchDelta(base, d)
		if err != nil {
			return 0, nil, fmt.Errorf("gitobj: pack entry at %d: %w", l.off, err)
		}
		base = obj
		ps.cache.put(p.id, l.off, baseT, base)
	}
	if int64(len(base)) > maxSize {
		return baseT, nil, ErrTooBig
	}
	return baseT, base, nil
}

// offsetCache is a byte-bounded LRU of resolved pack objects keyed by
// (pack, offset). It is safe for concurrent use.
type offsetCache struct {
	mu    sync.Mutex
	max   int64
	used  int64
	ll    *list.List
	items map[offKey]*list.Element
}

type offKey struct {
	pack int
	off  int64
}

type offItem struct {
	k    offKey
	t    plumbing.ObjectType
	data []byte
}

func newOffsetCache(max int64) *offsetCache {
	return &offsetCache{max: max, ll: list.New(), items: map[offKey]*list.Element{}}
}

func (c *offsetCache) get(pack int, off int64) (plumbing.ObjectType, []byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[offKey{pack, off}]; ok {
		c.ll.MoveToFront(e)
		it := e.Value.(*offItem)
		return it.t, it.data, true
	}
	return 0, nil, false
}

func (c *offsetCache) put(pack int, off int64, t plumbing.ObjectType, data []byte) {
	n := int64(len(data))
	if n > c.max/4 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	k := offKey{pack, off}
	if _, ok := c.items[k]; ok {
		return
	}
	c.items[k] = c.ll.PushFront(&offItem{k, t, data})
	c.used += n
	for c.used > c.max {
		e := c.ll.Back()
		it := e.Value.(*offItem)
		c.ll.Remove(e)
		delete(c.items, it.k)
		c.used -= int64(len(it.data))
	}
}

// patchDelta applies a git delta to base, writing into a buffer of the
// size the delta announces.
func patchDelta(base, delta []byte) ([]byte, error) {
	bad := errors.New("malformed delta")
	varint := func() (int64, error) {
		var v int64
		var shift uint
		for {
			if len(delta) == 0 || shift > 56 {
				return 0, bad
			}
			c := delta[0]
			delta = delta[1:]
			v |= int64(c&0x7f) << shift
			shift += 7
			if c&0x80 == 0 {
				return v, nil
			}
		}
	}
	srcSize, err := varint()
	if err != nil {
		return nil, err
	}
	if srcSize != int64(len(base)) {
		return nil, fmt.Errorf("delta base size %d, have %d", srcSize, len(base))
	}
	dstSize, err := varint()
	if err != nil {
		return nil, err
	}
	if dstSize > maxDeltaTarget {
		return nil, ErrTooBig
	}
	out := make([]byte, 0, dstSize)
	for len(delta) > 0 {
		op := delta[0]
		delta = delta[1:]
		if op&0x80 != 0 {
			var off, n int64
			for i := uint(0); i < 4; i++ {
				if op&(1<<i) != 0 {
					if len(delta) == 0 {
						return nil, bad
					}
					off |= int64(delta[0]) << (8 * i)
					delta = delta[1:]
				}
			}
			for i := uint(0); i < 3; i++ {
				if op&(0x10<<i) != 0 {
					if len(delta) == 0 {
						return nil, bad
					}
					n |= int64(delta[0]) << (8 * i)
					delta = delta[1:]
				}
			}
			if n == 0 {
				n = 0x10000
			}
			if off+n > int64(len(base)) || int64(len(out))+n > dstSize {
				return nil, bad
			}
			out = append(out, base[off:off+n]...)
		} else if op != 0 {
			n := int(op)
			if n > len(delta) || int64(len(out)+n) > dstSize {
				return nil, bad
			}
			out = append(out, delta[:n]...)
			delta = delta[n:]
		} else {
			return nil, bad
		}
	}
	if int64(len(out)) != dstSize {
		return nil, bad
	}
	return out, nil
}
