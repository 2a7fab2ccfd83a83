package decompress

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"testing"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"
)

func TestNewReaderFormats(t *testing.T) {
	want := bytes.Repeat([]byte("hello, tree\n"), 1000)
	enc := map[string]func([]byte) []byte{
		"gzip": func(b []byte) []byte {
			var buf bytes.Buffer
			w := gzip.NewWriter(&buf)
			w.Write(b)
			w.Close()
			return buf.Bytes()
		},
		"xz": func(b []byte) []byte {
			var buf bytes.Buffer
			w, _ := xz.NewWriter(&buf)
			w.Write(b)
			w.Close()
			return buf.Bytes()
		},
		"zstd": func(b []byte) []byte {
			w, _ := zstd.NewWriter(nil)
			return w.EncodeAll(b, nil)
		},
		"lzma": func(b []byte) []byte {
			var buf bytes.Buffer
			w, _ := lzma.NewWriter(&buf)
			w.Write(b)
			w.Close()
			return buf.Bytes()
		},
	}
	for name, f := range enc {
		t.Run(name, func(t *testing.T) {
			r, done, err := NewReader(bufio.NewReader(bytes.NewReader(f(want))), name)
			if err != nil {
				t.Fatal(err)
			}
			defer done()
			got, err := io.ReadAll(r)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("got %d bytes, %v", len(got), err)
			}
		})
	}
}

func TestNewReaderRefuses(t *testing.T) {
	br := bufio.NewReader(bytes.NewReader([]byte("plain text, not compressed")))
	if _, _, err := NewReader(br, ""); !errors.Is(err, ErrUnknown) {
		t.Fatalf("plain: %v, want ErrUnknown", err)
	}
	if b, _ := br.Peek(5); string(b) != "plain" {
		t.Fatalf("plain stream consumed: %q", b)
	}
	// An lzma header claiming a 1 GiB dictionary.
	hdr := []byte{0x5d, 0, 0, 0, 0x40, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	_, _, err := NewReader(bufio.NewReader(bytes.NewReader(hdr)), "lzma")
	var de *Error
	if !errors.As(err, &de) || !de.TooLarge {
		t.Fatalf("huge lzma dictionary: %v, want a TooLarge *Error", err)
	}
	_, _, err = NewReader(bufio.NewReader(bytes.NewReader([]byte{0x1f, 0x8b, 1})), "")
	if !errors.As(err, &de) || de.TooLarge || de.Format != "gzip" {
		t.Fatalf("truncated gzip: %v, want a gzip *Error", err)
	}
}
