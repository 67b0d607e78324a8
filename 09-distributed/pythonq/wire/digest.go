package wire

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"hash"
)

// digests are the HMAC digests a challenge may name in its "{name}"
// prefix: the ones CPython 3.12+ knows. MD5 is there because the legacy
// form is HMAC-MD5 and a newer Python still accepts it.
var digests = map[string]func() hash.Hash{
	"md5":      md5.New,
	"sha256":   sha256.New,
	"sha384":   sha512.New384,
	"sha3_256": func() hash.Hash { return sha3.New256() },
	"sha3_384": func() hash.Hash { return sha3.New384() },
}

// maxDigestName is the length of the longest name in digests.
const maxDigestName = len("sha3_256")

// legacyDigest is the name of the digest a legacy challenge or answer uses.
const legacyDigest = "md5"

// hmacOf is HMAC of message under key with the named digest, which must be
// in digests.
func hmacOf(name string, key, message []byte) []byte {
	h := hmac.New(digests[name], key)
	h.Write(message)
	return h.Sum(nil)
}

// splitDigestName reads the "{name}" prefix of a message. It returns the
// name and the rest, or ok false when there is no prefix with a name this
// side knows.
func splitDigestName(message []byte) (name string, rest []byte, ok bool) {
	if len(message) == 0 || message[0] != '{' {
		return "", nil, false
	}
	end := bytes.IndexByte(message[1:min(len(message), maxDigestName+2)], '}')
	if end < 0 {
		return "", nil, false
	}
	name = string(message[1 : 1+end])
	if _, known := digests[name]; !known {
		return "", nil, false
	}
	return name, message[2+end:], true
}
