package upstream

// The content fingerprint of a file change is its net change, computed
// by patchset (patchset.NetChange from the two blobs, the same multiset
// of normalised line hashes that patchset.ChangesFromPatch gives for a
// patch): for any diff turning blob A into blob B, (added lines) −
// (removed lines) = lines(B) − lines(A), so an upstream commit's
// fingerprint needs no diff and does not depend on the diff algorithm,
// the context lines or the hunk offsets.

// postingKey is the inverted-index key of a line hash changed in the given
// direction (count > 0 added, < 0 removed).
func postingKey(h uint64, n int) uint64 {
	if n < 0 {
		return h<<1 | 1
	}
	return h << 1
}
