package syntax

import "strconv"

// Token is the kind of a lexical token of WIT.
type Token uint8

const (
	tEOF Token = iota

	tIdent    // foo, %foo (Lit holds the name without %)
	tInteger  // 123
	tStrLit   // "text" (Lit holds the text, escapes decoded)
	tEquals   // =
	tComma    // ,
	tColon    // :
	tPeriod   // .
	tSemi     // ;
	tLParen   // (
	tRParen   // )
	tLBrace   // {
	tRBrace   // }
	tLess     // <
	tGreater  // >
	tArrow    // ->
	tStar     // *
	tAt       // @
	tSlash    // /
	tPlus     // +
	tMinus    // -
	tKeywords // the keywords follow; keyword tokens spell themselves

	tUse
	tType
	tFunc
	tU8
	tU16
	tU32
	tU64
	tS8
	tS16
	tS32
	tS64
	tF32
	tF64
	tChar
	tRecord
	tResource
	tOwn
	tBorrow
	tFlags
	tVariant
	tEnum
	tBool
	tString
	tOption
	tResult
	tFuture
	tStream
	tErrorContext
	tList
	tMap
	tUnderscore
	tAs
	tFrom
	tStatic
	tInterface
	tTuple
	tImport
	tExport
	tWorld
	tPackage
	tConstructor
	tAsync
	tInclude
	tWith

	numTokens
)

var tokenNames = [numTokens]string{
	tEOF:          "end of file",
	tIdent:        "identifier",
	tInteger:      "integer",
	tStrLit:       "string literal",
	tEquals:       "'='",
	tComma:        "','",
	tColon:        "':'",
	tPeriod:       "'.'",
	tSemi:         "';'",
	tLParen:       "'('",
	tRParen:       "')'",
	tLBrace:       "'{'",
	tRBrace:       "'}'",
	tLess:         "'<'",
	tGreater:      "'>'",
	tArrow:        "'->'",
	tStar:         "'*'",
	tAt:           "'@'",
	tSlash:        "'/'",
	tPlus:         "'+'",
	tMinus:        "'-'",
	tUse:          "use",
	tType:         "type",
	tFunc:         "func",
	tU8:           "u8",
	tU16:          "u16",
	tU32:          "u32",
	tU64:          "u64",
	tS8:           "s8",
	tS16:          "s16",
	tS32:          "s32",
	tS64:          "s64",
	tF32:          "f32",
	tF64:          "f64",
	tChar:         "char",
	tRecord:       "record",
	tResource:     "resource",
	tOwn:          "own",
	tBorrow:       "borrow",
	tFlags:        "flags",
	tVariant:      "variant",
	tEnum:         "enum",
	tBool:         "bool",
	tString:       "string",
	tOption:       "option",
	tResult:       "result",
	tFuture:       "future",
	tStream:       "stream",
	tErrorContext: "error-context",
	tList:         "list",
	tMap:          "map",
	tUnderscore:   "_",
	tAs:           "as",
	tFrom:         "from",
	tStatic:       "static",
	tInterface:    "interface",
	tTuple:        "tuple",
	tImport:       "import",
	tExport:       "export",
	tWorld:        "world",
	tPackage:      "package",
	tConstructor:  "constructor",
	tAsync:        "async",
	tInclude:      "include",
	tWith:         "with",
}

// String names the token as an error message would: keywords by their
// spelling, punctuation quoted.
func (t Token) String() string {
	if t < numTokens && tokenNames[t] != "" {
		return tokenNames[t]
	}
	return "Token(" + strconv.Itoa(int(t)) + ")"
}

// IsKeyword reports whether t is a keyword.
func (t Token) IsKeyword() bool { return t > tKeywords && t < numTokens }

// keywordTokens maps the spelling of each keyword to its token.
var keywordTokens = func() map[string]Token {
	m := make(map[string]Token, numTokens-tKeywords)
	for t := tKeywords + 1; t < numTokens; t++ {
		m[tokenNames[t]] = t
	}
	return m
}()

// IsKeyword reports whether word is a WIT keyword, which a name must
// escape with a leading %.
func IsKeyword(word string) bool {
	_, ok := keywordTokens[word]
	return ok
}
