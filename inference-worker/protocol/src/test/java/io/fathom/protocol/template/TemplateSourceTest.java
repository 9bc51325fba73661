package io.fathom.protocol.template;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TemplateSourceTest {

  @Test
  void steppedSlicesBecomeASliceFilterInCodeOnly() {
    assertThat(TemplateSource.prepare("{%- for m in messages[::-1] %}x[::-1]{% endfor %}"))
        .isEqualTo("{%- for m in (messages|__py_slice(none, none, -1)) %}x[::-1]{% endfor %}");
    assertThat(TemplateSource.prepare("{{ a.b['k'][1:5:2] }}{# c[::-1] #}"))
        .isEqualTo("{{ (a.b['k']|__py_slice(1, 5, 2)) }}{# c[::-1] #}");
    assertThat(TemplateSource.prepare("{{ x[1:2] }}")).as("plain slices are native").isEqualTo("{{ x[1:2] }}");
  }

  @Test
  void expressionKeywordValuesGetParentheses() {
    assertThat(TemplateSource.prepare("{% set ns = namespace(a=true, n=messages|length - 1, s='x,y') %}"))
        .isEqualTo("{% set ns = namespace(a=true, n=(messages|length - 1), s='x,y') %}");
    assertThat(TemplateSource.prepare("{{ f(x == 1, y=g(z=1 + 2)) }}")).isEqualTo("{{ f(x == 1, y=(g(z=(1 + 2)))) }}");
    assertThat(TemplateSource.prepare("{% set a = 1 + 2 %}{{ t | tojson(indent=2) }}"))
        .isEqualTo("{% set a = 1 + 2 %}{{ t | tojson(indent=2) }}");
    assertThat(TemplateSource.prepare("{% macro m(a=1 + 2) %}{% endmacro %}")).isEqualTo("{% macro m(a=1 + 2) %}{% endmacro %}");
    assertThat(TemplateSource.prepare("{{ '}}(a=1 + 2)' }} (b=1 + 2)")).isEqualTo("{{ '}}(a=1 + 2)' }} (b=1 + 2)");
  }
}
