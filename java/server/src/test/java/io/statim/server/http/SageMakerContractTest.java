package io.statim.server.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.statim.core.status.Code;
import io.statim.core.status.StatusException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SageMakerContractTest {
    private static SageMakerContract.Control control(String body) {
        ByteBuf buf = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        try {
            return SageMakerContract.control(buf);
        } finally {
            buf.release();
        }
    }

    private static HttpHeaders headers(String... namesAndValues) {
        HttpHeaders headers = new DefaultHttpHeaders();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            headers.add(namesAndValues[i], namesAndValues[i + 1]);
        }
        return headers;
    }

    @Test
    void recognizesExactlyTheTwoSessionControlBodies() {
        assertThat(control("{\"requestType\":\"NEW_SESSION\"}")).isEqualTo(SageMakerContract.Control.NEW_SESSION);
        assertThat(control(" \n{ \"requestType\" : \"CLOSE\" }\n")).isEqualTo(SageMakerContract.Control.CLOSE);
    }

    @Test
    void leavesEverythingElseToTheInferenceDecoder() {
        assertThat(control("")).isEqualTo(SageMakerContract.Control.NONE);
        assertThat(control("{\"inputs\":[]}")).isEqualTo(SageMakerContract.Control.NONE);
        assertThat(control("{\"requestType\":\"CLOSE\",\"inputs\":[]}")).isEqualTo(SageMakerContract.Control.NONE);
        assertThat(control("{\"requestType\":1}")).isEqualTo(SageMakerContract.Control.NONE);
        assertThat(control("[\"requestType\"]")).isEqualTo(SageMakerContract.Control.NONE);
        assertThat(control("{\"requestType\":\"CLOSE\"")).isEqualTo(SageMakerContract.Control.NONE);
        assertThat(control("{\"requestType\":\"CLOSE\"" + " ".repeat(SageMakerContract.MAX_CONTROL_BODY_BYTES) + "}"))
                .isEqualTo(SageMakerContract.Control.NONE);
    }

    @Test
    void refusesAnUnknownRequestType() {
        assertThatThrownBy(() -> control("{\"requestType\":\"OPEN\"}")).isInstanceOf(StatusException.class)
                .hasMessageContaining("NEW_SESSION or CLOSE");
    }

    @Test
    void targetModelHeaderWinsOverTheDefaultAndLosesItsArchiveSuffix() {
        assertThat(SageMakerContract.targetModel(headers("X-Amzn-SageMaker-Target-Model", "doc.tar.gz"), "other")).isEqualTo("doc");
        assertThat(SageMakerContract.targetModel(headers(), "other")).isEqualTo("other");
    }

    @Test
    void noTargetModelAndNoDefaultIsInvalid() {
        assertThatThrownBy(() -> SageMakerContract.targetModel(headers(), null))
                .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.status().code()).isEqualTo(Code.INVALID_ARGUMENT))
                .hasMessageContaining("--sagemaker-model");
    }

    @Test
    void readsTheJsonLengthFromTritonsSageMakerContentType() {
        assertThat(SageMakerContract.tritonJsonHeaderSize(headers("Content-Type",
                "application/vnd.sagemaker-triton.binary+json;json-header-size=123"))).isEqualTo(123);
        assertThat(SageMakerContract.tritonJsonHeaderSize(headers("Content-Type",
                "application/vnd.sagemaker-triton.binary+json; charset=utf-8; json-header-size = 7"))).isEqualTo(7);
        assertThat(SageMakerContract.tritonJsonHeaderSize(headers("Content-Type", "application/json"))).isEqualTo(-1);
        assertThat(SageMakerContract.tritonJsonHeaderSize(headers())).isEqualTo(-1);
    }

    @Test
    void tritonsContentTypeWithoutAValidLengthIsInvalid() {
        assertThatThrownBy(() -> SageMakerContract.tritonJsonHeaderSize(headers("Content-Type",
                "application/vnd.sagemaker-triton.binary+json"))).isInstanceOf(StatusException.class);
        assertThatThrownBy(() -> SageMakerContract.tritonJsonHeaderSize(headers("Content-Type",
                "application/vnd.sagemaker-triton.binary+json;json-header-size=-1"))).isInstanceOf(StatusException.class);
    }

    @Test
    void newSessionHeaderHasSageMakersForm() {
        String header = SageMakerContract.newSessionHeader("abc-123", Instant.parse("2031-02-03T04:05:06.789Z"));

        assertThat(header).isEqualTo("abc-123; Expires=2031-02-03T04:05:06Z");
    }
}
