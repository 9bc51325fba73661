package io.fathom.api.uploads;

import io.fathom.api.errors.ApiException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * A request's raw body written to a temporary file, whatever its Content-Type (no codec reads it: curl's
 * {@code --data-binary} says form-urlencoded), then handed to {@code use}; the file is deleted after, whatever
 * happens. Past {@code maxBytes} the upload fails with 413, chunked bodies included.
 */
public final class SpooledUpload {

  private SpooledUpload() {}

  public static <T> Mono<T> with(ServerWebExchange exchange, long maxBytes, Function<Path, Mono<T>> use) {
    Flux<DataBuffer> body = exchange.getRequest().getBody();
    return Mono.usingWhen(
        Mono.fromCallable(() -> Files.createTempFile("fathom-upload-", ".bin")).subscribeOn(Schedulers.boundedElastic()),
        file -> spool(body, file, maxBytes).then(Mono.defer(() -> use.apply(file))),
        file -> Mono.fromCallable(() -> Files.deleteIfExists(file)).subscribeOn(Schedulers.boundedElastic()));
  }

  private static Mono<Void> spool(Flux<DataBuffer> body, Path file, long maxBytes) {
    AtomicLong bytes = new AtomicLong();
    Flux<DataBuffer> counted =
        body.handle((buffer, sink) -> {
          if (bytes.addAndGet(buffer.readableByteCount()) > maxBytes) {
            DataBufferUtils.release(buffer);
            sink.error(new ApiException(HttpStatus.CONTENT_TOO_LARGE, "the upload is over " + maxBytes + " bytes"));
          } else {
            sink.next(buffer);
          }
        });
    return DataBufferUtils.write(counted, file);
  }
}
