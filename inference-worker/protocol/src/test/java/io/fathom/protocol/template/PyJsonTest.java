package io.fathom.protocol.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Expected texts are CPython 3 {@code json.dumps} outputs. */
class PyJsonTest {

  private static Map<Object, Object> sample() {
    Map<Object, Object> map = new LinkedHashMap<>();
    map.put("b", Arrays.asList(1, 2.5, null, true, "é\n\"\\\u0001\u007f😀"));
    map.put("a", Map.of());
    map.put("c", List.of());
    map.put("d", 1e16);
    map.put("e", 1e-5);
    map.put("f", 0.1 + 0.2);
    map.put("g", -0.0);
    map.put("h", BigInteger.TEN.pow(20));
    map.put("i", Double.NaN);
    map.put("j", 123456789.0);
    map.put(1, "int key");
    map.put("k", 1e22);
    return map;
  }

  @Test
  void defaultSeparatorsAndNonAsciiKept() {
    assertThat(PyJson.DEFAULT.dumps(sample()))
        .isEqualTo("{\"b\": [1, 2.5, null, true, \"é\\n\\\"\\\\\\u0001\u007f😀\"], \"a\": {}, \"c\": [], \"d\": 1e+16, "
            + "\"e\": 1e-05, \"f\": 0.30000000000000004, \"g\": -0.0, \"h\": 100000000000000000000, \"i\": NaN, "
            + "\"j\": 123456789.0, \"1\": \"int key\", \"k\": 1e+22}");
  }

  @Test
  void ensureAsciiEscapesEverythingOutsidePrintableAscii() {
    assertThat(PyJson.of(null, null, false, true).dumps(sample().get("b")))
        .isEqualTo("[1, 2.5, null, true, \"\\u00e9\\n\\\"\\\\\\u0001\\u007f\\ud83d\\ude00\"]");
  }

  @Test
  void jsonNodesAreWrittenTheSameWay() {
    assertThat(PyJson.DEFAULT.dumps(Fixtures.json("{\"a\":[1,2.50,{\"b\":null}],\"c\":\"é\",\"d\":1E400,\"e\":12345678901234567890}")))
        .isEqualTo("{\"a\": [1, 2.5, {\"b\": null}], \"c\": \"é\", \"d\": Infinity, \"e\": 12345678901234567890}");
  }

  @Test
  void indentSortKeysAndSeparators() {
    Map<String, Object> nested = new LinkedHashMap<>();
    nested.put("x", List.of(1, Map.of("y", 2)));
    nested.put("a", "é");
    assertThat(PyJson.of(2L, null, false, false).dumps(nested))
        .isEqualTo("{\n  \"x\": [\n    1,\n    {\n      \"y\": 2\n    }\n  ],\n  \"a\": \"é\"\n}");
    Map<String, Object> unsorted = new LinkedHashMap<>();
    unsorted.put("b", 1);
    unsorted.put("a", List.of());
    assertThat(PyJson.of(2, null, true, false).dumps(unsorted)).isEqualTo("{\n  \"a\": [],\n  \"b\": 1\n}");
    Map<String, Object> pair = new LinkedHashMap<>();
    pair.put("b", 1);
    pair.put("a", 2);
    assertThat(PyJson.of(null, List.of(",", ":"), false, false).dumps(pair)).isEqualTo("{\"b\":1,\"a\":2}");
    assertThat(PyJson.of(0, null, false, false).dumps(Map.of("a", List.of(1, 2)))).isEqualTo("{\n\"a\": [\n1,\n2\n]\n}");
  }

  @Test
  void floatsLikePythonRepr() {
    Object[][] cases = {
      {1.0, "1.0"}, {0.1, "0.1"}, {1e15, "1000000000000000.0"}, {1e16, "1e+16"}, {1e-4, "0.0001"},
      {1e-5, "1e-05"}, {-2.5e-7, "-2.5e-07"}, {5e-324, "5e-324"}, {1.7976931348623157e308, "1.7976931348623157e+308"},
      {123.456, "123.456"}, {1.0 / 3, "0.3333333333333333"}, {2e22, "2e+22"}, {Double.NEGATIVE_INFINITY, "-Infinity"},
      {12345678901234567.0, "1.2345678901234568e+16"}, {0.5f, "0.5"}
    };
    for (Object[] c : cases) {
      assertThat(PyJson.DEFAULT.dumps(c[0])).as("%s", c[0]).isEqualTo(c[1]);
    }
  }

  @Test
  void unsupportedValuesAreNamed() {
    assertThatThrownBy(() -> PyJson.DEFAULT.dumps(List.of(new Object())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Object of type Object is not JSON serializable");
    assertThatThrownBy(() -> PyJson.of(null, List.of(","), false, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("separators must be a pair");
    List<Object> withNull = new ArrayList<>();
    withNull.add(null);
    assertThat(PyJson.DEFAULT.dumps(withNull)).isEqualTo("[null]");
  }
}
