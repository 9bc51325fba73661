package io.fathom.api;

import io.fathom.api.cli.RunCommand;
import java.util.Arrays;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Fathom's all-in-one service; {@code run ...} is the terminal client instead. */
@SpringBootApplication(scanBasePackages = "io.fathom")
@ConfigurationPropertiesScan("io.fathom")
public class FathomApplication {

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("run")) {
      System.exit(new RunCommand(System.getenv(), System.out, System.err).run(Arrays.copyOfRange(args, 1, args.length)));
    }
    SpringApplication.run(FathomApplication.class, args);
  }
}
