package io.fathom.protocol.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Expected values are CPython 3 results. */
class PyStringsTest {

  @Test
  void stripFamily() {
    assertThat(PyStrings.strip("  a b\u00a0", null)).isEqualTo("a b");
    assertThat(PyStrings.strip("\u2028\u0085\u3000x\u001c", null)).isEqualTo("x");
    assertThat(PyStrings.strip("xxaxx", "x")).isEqualTo("a");
    assertThat(PyStrings.lstrip("\n\n a\n", "\n")).isEqualTo(" a\n");
    assertThat(PyStrings.rstrip("\n a\n\n", "\n")).isEqualTo("\n a");
    assertThat(PyStrings.strip("😀a😀", "😀")).isEqualTo("a");
    assertThat(PyStrings.strip("\u200b x \u200b", null)).as("zero-width space is not whitespace").isEqualTo("\u200b x \u200b");
  }

  @Test
  void splitKeepsEmptyPiecesWithASeparator() {
    assertThat(PyStrings.split("a,,b,", ",")).containsExactly("a", "", "b", "");
    assertThat(PyStrings.split("abc</think>", "</think>")).containsExactly("abc", "");
    assertThat(PyStrings.split("a.b", ".")).as("no regex").containsExactly("a", "b");
    assertThat(PyStrings.split("a,b,c", ",", 1)).containsExactly("a", "b,c");
    assertThatThrownBy(() -> PyStrings.split("a", "")).hasMessage("empty separator");
  }

  @Test
  void splitOnWhitespaceDropsEmptyPieces() {
    assertThat(PyStrings.split(" a  b \n c ", null)).containsExactly("a", "b", "c");
    assertThat(PyStrings.split(" a  b  c ", null, 1)).containsExactly("a", "b  c ");
    assertThat(PyStrings.split("   ", null)).isEmpty();
  }

  @Test
  void prefixesSuffixesReplaceJoin() {
    assertThat(PyStrings.startsWith("<tool_response>x", "<tool_response>")).isTrue();
    assertThat(PyStrings.startsWith("b", List.of("a", "b"))).isTrue();
    assertThat(PyStrings.endsWith("x</tool_response>", "</tool_response>")).isTrue();
    assertThatThrownBy(() -> PyStrings.startsWith("x", 1)).hasMessageContaining("startswith first arg must be str");
    assertThat(PyStrings.replace("abc", "", "-", -1)).isEqualTo("-a-b-c-");
    assertThat(PyStrings.replace("aaa", "a", "b", 2)).isEqualTo("bba");
    assertThat(PyStrings.join(", ", List.of("a", "b"))).isEqualTo("a, b");
  }
}
