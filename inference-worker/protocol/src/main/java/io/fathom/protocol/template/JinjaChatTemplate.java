package io.fathom.protocol.template;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import io.fathom.protocol.openai.ChatMessage;
import io.fathom.protocol.openai.ToolSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A Hugging Face {@code chat_template} rendered with Jinjava, set up the way transformers sets up Jinja2 for
 * chat templates: {@code trim_blocks} and {@code lstrip_blocks}, no autoescaping, and the variables
 * {@code messages}, {@code tools}, {@code add_generation_prompt}, {@code bos_token}, {@code eos_token} (plus
 * {@code keep_all_think} and any extra variables).
 *
 * <p>What Jinjava lacks and is added here: {@code tojson} with Python's {@code json.dumps} output
 * ({@link PyToJsonFilter}); the functions {@code raise_exception} and {@code strftime_now}; the
 * {@code {% generation %}} tag of transformers (renders its body); the Python string
 * methods {@code startswith}, {@code endswith}, {@code strip}, {@code lstrip}, {@code rstrip}, {@code split},
 * {@code replace}, {@code upper}, {@code lower}, {@code join} ({@link PythonMethodResolver}); stepped slices such
 * as {@code messages[::-1]}, and keyword arguments whose value is an expression, such as
 * {@code namespace(i=messages|length - 1)} ({@link TemplateSource}). Jinjava's nested interpretation is turned off, so message
 * text that looks like a template ({@code {{ x }}}) is printed as is. Native in Jinjava: {@code namespace()},
 * {@code loop.index0}/{@code loop.first}/{@code loop.last}, {@code is string}/{@code is defined}, negative
 * indexes, the {@code in} operator.
 *
 * <p>Messages reach the template as maps with role, content, reasoning_content, tool_calls (each
 * {@code {id, type, function: {name, arguments}}}), tool_call_id and name; null fields are left out. Tools reach
 * it as {@code {"type": "function", "function": {name, description, parameters}}} maps.
 *
 * <p>Syntax errors in the template's tags are reported when it is created; the rest when it is rendered. A
 * render that produced any template error fails with a {@link ChatTemplateException} naming the error and its
 * line. Instances may be shared between threads: each render uses its own interpreter.
 */
public final class JinjaChatTemplate implements ChatPromptRenderer {

  private static final Set<String> RESERVED =
      Set.of("messages", "tools", "add_generation_prompt", "keep_all_think", "bos_token", "eos_token");

  private final String name;
  private final String source;
  private final String prepared;
  private final String bosToken;
  private final String eosToken;
  private final ToolArgumentsForm argumentsForm;
  private final Jinjava jinjava;

  private JinjaChatTemplate(
      String name, String source, String bosToken, String eosToken, ToolArgumentsForm argumentsForm) {
    this.name = Objects.requireNonNull(name, "name");
    this.source = Objects.requireNonNull(source, "template");
    this.bosToken = bosToken;
    this.eosToken = eosToken;
    this.argumentsForm = Objects.requireNonNull(argumentsForm, "argumentsForm");
    if (source.isBlank()) {
      throw new ChatTemplateException(name + " is empty");
    }
    this.prepared = TemplateSource.prepare(source);
    this.jinjava = newJinjava();
    checkSyntax();
  }

  /**
   * A template given as text.
   *
   * @param bosToken the {@code bos_token} variable, or null
   * @param eosToken the {@code eos_token} variable, or null
   * @throws ChatTemplateException if the template's tags do not parse
   */
  public static JinjaChatTemplate of(String template, String bosToken, String eosToken, ToolArgumentsForm argumentsForm) {
    return new JinjaChatTemplate("chat template", template, bosToken, eosToken, argumentsForm);
  }

  /** {@link #of(String, String, String, ToolArgumentsForm)} with arguments as strings. */
  public static JinjaChatTemplate of(String template, String bosToken, String eosToken) {
    return of(template, bosToken, eosToken, ToolArgumentsForm.STRING);
  }

  /** The default template of a tokenizer config (see {@link TokenizerChatConfig#defaultTemplate()}). */
  public static JinjaChatTemplate fromTokenizerConfig(TokenizerChatConfig config, ToolArgumentsForm argumentsForm) {
    return new JinjaChatTemplate(
        "chat template", config.defaultTemplate(), config.bosToken(), config.eosToken(), argumentsForm);
  }

  /** The named template of a tokenizer config. */
  public static JinjaChatTemplate fromTokenizerConfig(
      TokenizerChatConfig config, String templateName, ToolArgumentsForm argumentsForm) {
    return new JinjaChatTemplate(
        "chat template \"" + templateName + "\"",
        config.template(templateName),
        config.bosToken(),
        config.eosToken(),
        argumentsForm);
  }

  /**
   * The template of a model directory: {@code chat_template.jinja} when present (newer transformers save it
   * there), else the default one in {@code tokenizer_config.json}, which also gives the BOS and EOS tokens.
   */
  public static JinjaChatTemplate fromModelDir(Path modelDir, ToolArgumentsForm argumentsForm) {
    Path configFile = modelDir.resolve("tokenizer_config.json");
    Path templateFile = modelDir.resolve("chat_template.jinja");
    if (!Files.isRegularFile(templateFile)) {
      return fromTokenizerConfig(TokenizerChatConfig.read(configFile), argumentsForm);
    }
    String template = readText(templateFile);
    if (!Files.isRegularFile(configFile)) {
      return new JinjaChatTemplate(templateFile.toString(), template, null, null, argumentsForm);
    }
    TokenizerChatConfig config = TokenizerChatConfig.parse(readText(configFile), configFile.toString(), template);
    return new JinjaChatTemplate(templateFile.toString(), template, config.bosToken(), config.eosToken(), argumentsForm);
  }

  private static String readText(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new ChatTemplateException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  public String source() {
    return source;
  }

  public ToolArgumentsForm argumentsForm() {
    return argumentsForm;
  }

  @Override
  public String render(
      List<ChatMessage> messages, List<ToolSpec> tools, boolean addGenerationPrompt, boolean keepAllThink) {
    return render(messages, tools, addGenerationPrompt, Map.of("keep_all_think", keepAllThink));
  }

  /**
   * Renders with extra template variables (e.g. {@code enable_thinking}); {@code keep_all_think} may be among
   * them, the other standard variables may not.
   */
  public String render(
      List<ChatMessage> messages, List<ToolSpec> tools, boolean addGenerationPrompt, Map<String, ?> extraVariables) {
    Conversations.check(messages, tools);
    Map<String, Object> variables = new HashMap<>();
    extraVariables.forEach((key, value) -> {
      if (RESERVED.contains(key) && !key.equals("keep_all_think")) {
        throw new IllegalArgumentException("extra variable \"" + key + "\" is set by the renderer itself");
      }
      variables.put(key, value);
    });
    variables.putIfAbsent("keep_all_think", false);
    variables.put("messages", TemplateValues.messages(messages, argumentsForm));
    variables.put("tools", tools == null || tools.isEmpty() ? null : TemplateValues.tools(tools));
    variables.put("add_generation_prompt", addGenerationPrompt);
    variables.put("bos_token", bosToken);
    variables.put("eos_token", eosToken);
    RenderResult result = jinjava.renderForResult(prepared, variables);
    List<TemplateError> fatal = fatal(result.getErrors());
    if (!fatal.isEmpty()) {
      throw failure("failed to render", fatal);
    }
    return result.getOutput();
  }

  private void checkSyntax() {
    List<TemplateError> errors;
    try (var current = JinjavaInterpreter.closeablePushCurrent(jinjava.newInterpreter()).get()) {
      current.value().parse(prepared);
      errors = current.value().getErrors();
    }
    List<TemplateError> fatal = fatal(errors);
    if (!fatal.isEmpty()) {
      throw failure("does not parse", fatal);
    }
  }

  private ChatTemplateException failure(String what, List<TemplateError> errors) {
    for (TemplateError error : errors) {
      TemplateFunctions.TemplateRaisedException raised = raised(error.getException());
      if (raised != null) {
        return new ChatTemplateException(
            name + " raised an exception (line " + error.getLineno() + "): " + raised.getMessage(), raised);
      }
    }
    String details = errors.stream().map(JinjaChatTemplate::describe).collect(Collectors.joining("; "));
    return new ChatTemplateException(name + " " + what + ": " + details, errors.getFirst().getException());
  }

  private static String describe(TemplateError error) {
    StringBuilder text = new StringBuilder("line ").append(error.getLineno()).append(": ").append(error.getMessage());
    Throwable cause = rootCause(error.getException());
    if (cause != null && cause.getMessage() != null && !error.getMessage().contains(cause.getMessage())) {
      text.append(" (").append(cause.getMessage()).append(')');
    }
    if (error.getFieldName() != null && !error.getFieldName().isEmpty() && !error.getMessage().contains(error.getFieldName())) {
      text.append(" in '").append(error.getFieldName()).append('\'');
    }
    return text.toString();
  }

  private static TemplateFunctions.TemplateRaisedException raised(Throwable t) {
    for (Throwable x = t; x != null; x = x.getCause() == x ? null : x.getCause()) {
      if (x instanceof TemplateFunctions.TemplateRaisedException raised) {
        return raised;
      }
    }
    return null;
  }

  private static Throwable rootCause(Throwable t) {
    Throwable x = t;
    while (x != null && x.getCause() != null && x.getCause() != x) {
      x = x.getCause();
    }
    return x;
  }

  private static List<TemplateError> fatal(List<TemplateError> errors) {
    return errors.stream().filter(e -> e.getSeverity() == TemplateError.ErrorType.FATAL).toList();
  }

  private static Jinjava newJinjava() {
    JinjavaConfig config =
        JinjavaConfig.newBuilder()
            .withTrimBlocks(true)
            .withLstripBlocks(true)
            .withNestedInterpretationEnabled(false)
            .withElResolver(new PythonMethodResolver(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY))
            .withLegacyOverrides(
                LegacyOverrides.newBuilder()
                    .withEvaluateMapKeys(true)
                    .withIterateOverMapKeys(true)
                    // The pyish mapper would print control characters in strings as JSON escapes (backslash-u0001).
                    .withUsePyishObjectMapper(false)
                    .withUseNaturalOperatorPrecedence(true)
                    .withParseWhitespaceControlStrictly(true)
                    .withAllowAdjacentTextNodes(true)
                    .withUseTrimmingForNotesAndExpressions(true)
                    .withKeepNullableLoopValues(true)
                    .build())
            .build();
    Jinjava jinjava = new Jinjava(config);
    jinjava.registerTag(new GenerationTag());
    jinjava.registerFilter(new PyToJsonFilter());
    jinjava.registerFilter(new PySliceFilter());
    jinjava.registerFunction(
        new ELFunctionDefinition("", "raise_exception", TemplateFunctions.class, "raiseException", Object.class));
    jinjava.registerFunction(
        new ELFunctionDefinition("", "strftime_now", TemplateFunctions.class, "strftimeNow", String.class));
    return jinjava;
  }
}
