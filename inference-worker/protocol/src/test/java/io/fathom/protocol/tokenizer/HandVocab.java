package io.fathom.protocol.tokenizer;

import static io.fathom.protocol.tokenizer.TokenizerJsonBuilder.META;

/**
 * A small hand-written vocabulary whose encodings the tests work out by hand. Ids:
 *
 * <pre>
 *   0 &lt;unk&gt;  1 &lt;s&gt;  2 &lt;/s&gt;   3..258 &lt;0x00&gt;..&lt;0xFF&gt; (byte b has id 3 + b)
 *   259 ▁  260 a  261 b  262 c  263 d  264 e  265 h  266 i  267 l  268 o  269 r  270 s  271 u  272 w  273 t
 *   274 x  275 é  276 你
 *   merges (rank: pair -> id):
 *    0: b c -> 277 bc      1: bc d -> 278 bcd     2: a b -> 279 ab       3: ▁ h -> 280 ▁h
 *    4: ▁h i -> 281 ▁hi    5: a a -> 282 aa       6: aa aa -> 283 aaaa   7: ▁ ▁ -> 284 ▁▁
 *    8: h i -> 285 hi      9: u s -> 286 us      10: e r -> 287 er      11: us er -> 288 user
 *   12: ▁ user -> 289 ▁user  13: l o -> 290 lo   14: e l -> 291 el      15: ▁ w -> 292 ▁w
 *   16: o r -> 293 or     17: ▁w or -> 294 ▁wor  18: l d -> 295 ld     19: ▁wor ld -> 296 ▁world
 *   20: ▁▁ ▁▁ -> 297 ▁▁▁▁
 *   added: 298 &lt;|im_start|&gt;, 299 &lt;|im_end|&gt;, 300 &lt;|endoftext|&gt; (special);
 *          301 &lt;think&gt;, 302 &lt;/think&gt;, 303 &lt;tool_call&gt;, 304 &lt;/tool_call&gt; (not special)
 * </pre>
 */
final class HandVocab {

  static final int UNK = 0;
  static final int BOS = 1;
  static final int EOS = 2;
  static final int SPACE = 259;
  static final int A = 260;
  static final int B = 261;
  static final int C = 262;
  static final int D = 263;
  static final int E = 264;
  static final int H = 265;
  static final int I = 266;
  static final int L = 267;
  static final int X = 274;
  static final int E_ACUTE = 275;
  static final int NI = 276;
  static final int BCD = 278;
  static final int AB = 279;
  static final int META_HI = 281;
  static final int AAAA = 283;
  static final int META2 = 284;
  static final int HI = 285;
  static final int USER = 288;
  static final int META_USER = 289;
  static final int LO = 290;
  static final int EL = 291;
  static final int META_H = 280;
  static final int META_WORLD = 296;
  static final int META4 = 297;
  static final int IM_START = 298;
  static final int IM_END = 299;
  static final int END_OF_TEXT = 300;
  static final int THINK = 301;
  static final int THINK_END = 302;
  static final int TOOL_CALL = 303;
  static final int TOOL_CALL_END = 304;

  private HandVocab() {}

  /** The id of the byte-fallback token of {@code b}. */
  static int byteId(int b) {
    return 3 + b;
  }

  /** The hand vocabulary; the caller picks the normalizer / pre-tokenizer. */
  static TokenizerJsonBuilder builder() {
    TokenizerJsonBuilder b = new TokenizerJsonBuilder();
    b.tokens("<unk>", "<s>", "</s>").byteTokens();
    b.tokens(META, "a", "b", "c", "d", "e", "h", "i", "l", "o", "r", "s", "u", "w", "t", "x", "é", "你");
    b.merge("b", "c")
        .merge("bc", "d")
        .merge("a", "b")
        .merge(META, "h")
        .merge(META + "h", "i")
        .merge("a", "a")
        .merge("aa", "aa")
        .merge(META, META)
        .merge("h", "i")
        .merge("u", "s")
        .merge("e", "r")
        .merge("us", "er")
        .merge(META, "user")
        .merge("l", "o")
        .merge("e", "l")
        .merge(META, "w")
        .merge("o", "r")
        .merge(META + "w", "or")
        .merge("l", "d")
        .merge(META + "wor", "ld")
        .merge(META + META, META + META);
    b.added(0, "<unk>", true).added(1, "<s>", true).added(2, "</s>", true);
    b.added(IM_START, "<|im_start|>", true)
        .added(IM_END, "<|im_end|>", true)
        .added(END_OF_TEXT, "<|endoftext|>", true)
        .added(THINK, "<think>", false)
        .added(THINK_END, "</think>", false)
        .added(TOOL_CALL, "<tool_call>", false)
        .added(TOOL_CALL_END, "</tool_call>", false);
    return b;
  }
}
