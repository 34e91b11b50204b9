package sha256

import (
	stdsha "crypto/sha256"
	"math/rand"
	"testing"
)

// Every length around the block and padding boundaries, written whole and
// in random pieces, against the standard library.
func TestAgainstStdlib(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for n := 0; n < 300; n++ {
		data := make([]byte, n)
		rng.Read(data)
		want := stdsha.Sum256(data)
		if got := Sum256(data); got != want {
			t.Fatalf("len %d: %x, want %x", n, got, want)
		}
		d := New()
		for rest := data; len(rest) > 0; {
			c := 1 + rng.Intn(len(rest))
			d.Write(rest[:c])
			rest = rest[c:]
		}
		if got := d.Sum(); got != want {
			t.Fatalf("len %d in pieces: %x", n, got)
		}
	}
	// Known answer: "abc".
	if got := Sum256([]byte("abc")); got != stdsha.Sum256([]byte("abc")) {
		t.Fatal("abc")
	}
}

func FuzzSum(f *testing.F) {
	f.Add([]byte("abc"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if Sum256(b) != stdsha.Sum256(b) {
			t.Fatalf("%q", b)
		}
	})
}
