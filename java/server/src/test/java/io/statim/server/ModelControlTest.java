package io.statim.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.statim.scheduler.ModelControlMode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** --model-control-mode=explicit: models load and unload over the repository API. */
class ModelControlTest {
    private static ServerFixture fixture;

    @BeforeAll
    static void start() {
        fixture = ServerFixture.start(c -> c.withControl(ModelControlMode.EXPLICIT, List.of()));
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    @Test
    void loadsAndUnloadsAModelOnRequest() {
        assertThat(fixture.get(fixture.http1, "/v2/models/simple/ready").statusCode()).isEqualTo(400);
        assertThat(fixture.postJson(fixture.http1, "/v2/repository/models/simple/load", "{}").statusCode()).isEqualTo(200);
        assertThat(fixture.get(fixture.http1, "/v2/models/simple/ready").statusCode()).isEqualTo(200);
        assertThat(fixture.postJson(fixture.http1, "/v2/models/simple/infer", Requests.simpleJson(1, false)).statusCode()).isEqualTo(200);
        assertThat(fixture.postJson(fixture.http1, "/v2/repository/models/simple/unload", "{}").statusCode()).isEqualTo(200);
        HttpResponse<String> after = fixture.postJson(fixture.http1, "/v2/models/simple/infer", Requests.simpleJson(1, false));
        assertThat(after.statusCode()).isEqualTo(503);
        assertThat(after.body()).contains("not ready");
    }

    @Test
    void reportsWhyAModelFailedToLoad() throws Exception {
        Path dir = Files.createDirectories(fixture.repository.resolve("broken/1"));
        Files.writeString(fixture.repository.resolve("broken/config.pbtxt"), "max_batch_size: 1\nmodel_warmup_typo: 3\n");
        Files.write(dir.resolve("model.onnx"), new byte[] {0});
        HttpResponse<String> r = fixture.postJson(fixture.http1, "/v2/repository/models/broken/load", "{}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("model_warmup_typo");
        assertThat(fixture.postJson(fixture.http1, "/v2/repository/index", "{}").body()).contains("\"name\":\"broken\"")
                .contains("UNAVAILABLE");
        assertThat(fixture.postJson(fixture.http1, "/v2/repository/models/nope/load", "{}").statusCode()).isEqualTo(404);
    }
}
