/* Rego builtins: io.jwt.* against tokens and expectations checked with OPA
 * v1.22.3 (keys generated for these tests; the deterministic signatures —
 * HMAC, RSA PKCS#1 v1.5, Ed25519 — are OPA's own output for them). */
#include <stdio.h>
#include <string.h>

#include "core/base64.h"
#include "rego/bi_jwt.h"
#include "bitest.h"

static const char RSA_CRT[] = "-----BEGIN CERTIFICATE-----\n"
                              "MIIDCTCCAfGgAwIBAgIUO57Jmu3vSps2IKY08feJUGXCgB0wDQYJKoZIhvcNAQEL\n"
                              "BQAwEzERMA8GA1UEAwwIa3NvLXRlc3QwIBcNMjYxMTI3MDQzMjQ2WhgPMjEyNjEx\n"
                              "MDMwNDMyNDZaMBMxETAPBgNVBAMMCGtzby10ZXN0MIIBIjANBgkqhkiG9w0BAQEF\n"
                              "AAOCAQ8AMIIBCgKCAQEAvgM8i3ig6zVlulb9wwRiBg0nCHzEas+4afEscO33QIZb\n"
                              "9zl4zzZm5GpWNiMaeFeHa9eaSgnfczyTDdvHAsLiLG8nreFQczGgyp3fLC3FHvjj\n"
                              "A1mG/zIf+wFCa4i5s0WQonhWSujUikjUjbdKJBANeUX2D0oHquXNzKHn3xy/cfaN\n"
                              "Vyc6Lh3jfdH3838p3GwX/UmSSo9ZwlGRIQcZGn/u5PtKG4SrhjbqD/7ZNtDVTlvs\n"
                              "W3UA7Xpm6hFWWYrpDa6rMwwq54caKL6kcVNjTFs7aYu/ZE7NrxsqP5O8I61GVQ7T\n"
                              "BK8S4rvFqdOxoVI6aMl4hu7Qxwur6jLAx2Quc2zrEQIDAQABo1MwUTAdBgNVHQ4E\n"
                              "FgQUWrThu1AEFpUWwU6lcFDLBAex6XgwHwYDVR0jBBgwFoAUWrThu1AEFpUWwU6l\n"
                              "cFDLBAex6XgwDwYDVR0TAQH/BAUwAwEB/zANBgkqhkiG9w0BAQsFAAOCAQEAReLs\n"
                              "HxeQ9OFw97QKzNe0DIGSK5ijZfKBaXAxuAH6irAOnHBEufliKq42CIu95npeHcMX\n"
                              "qEObypWRPObTQEjluQj/EBp5WNSRLtZ60rLcN2jcwVQdiAQM0ZdMnFuZHgYYf6Dw\n"
                              "kme5TVk5D0qBLlQ0dwJLxirqjkjOBMg8mYAdgtr9Sio7v9Czez9IbkvfxraDzj6w\n"
                              "oJ8HJGDQmvrcTtlviS9PJw+LkZOPdo367OIHXyDIgJhbk7PW3abi1yUNiiMk7Q4c\n"
                              "SSSYjGil+5gUWeDYu0gR6b07Zx3+3fzyH0OilBLX61juVPs81Jr8GgB3RKokzYkg\n"
                              "JVbES2ECY+vHu0qTBg==\n"
                              "-----END CERTIFICATE-----\n";

static const char RSA_PUB[] = "-----BEGIN PUBLIC KEY-----\n"
                              "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvgM8i3ig6zVlulb9wwRi\n"
                              "Bg0nCHzEas+4afEscO33QIZb9zl4zzZm5GpWNiMaeFeHa9eaSgnfczyTDdvHAsLi\n"
                              "LG8nreFQczGgyp3fLC3FHvjjA1mG/zIf+wFCa4i5s0WQonhWSujUikjUjbdKJBAN\n"
                              "eUX2D0oHquXNzKHn3xy/cfaNVyc6Lh3jfdH3838p3GwX/UmSSo9ZwlGRIQcZGn/u\n"
                              "5PtKG4SrhjbqD/7ZNtDVTlvsW3UA7Xpm6hFWWYrpDa6rMwwq54caKL6kcVNjTFs7\n"
                              "aYu/ZE7NrxsqP5O8I61GVQ7TBK8S4rvFqdOxoVI6aMl4hu7Qxwur6jLAx2Quc2zr\n"
                              "EQIDAQAB\n"
                              "-----END PUBLIC KEY-----\n";

static const char EC_PUB[] = "-----BEGIN PUBLIC KEY-----\n"
                             "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAES6Q4nWgB0OICScklpWIYUO5ieeZF\n"
                             "zYecDlyIdcIIMsKswp8fEXtUeC0vA0o52/PAU5Mql7x/UpFfXP3RBZ41Ng==\n"
                             "-----END PUBLIC KEY-----\n";

static const char EC_CRT[] = "-----BEGIN CERTIFICATE-----\n"
                             "MIIBeDCCAR+gAwIBAgIUHI3mCXuEgE9ggi710O1N72eg3WAwCgYIKoZIzj0EAwIw\n"
                             "ETEPMA0GA1UEAwwGa3NvLWVjMCAXDTI2MTEyNzA0MzIxNloYDzIxMjYxMTAzMDQz\n"
                             "MjE2WjARMQ8wDQYDVQQDDAZrc28tZWMwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC\n"
                             "AARLpDidaAHQ4gJJySWlYhhQ7mJ55kXNh5wOXIh1wggywqzCnx8Re1R4LS8DSjnb\n"
                             "88BTkyqXvH9SkV9c/dEFnjU2o1MwUTAdBgNVHQ4EFgQUcra3+35YbDEgMIBX+7w5\n"
                             "58CX1KIwHwYDVR0jBBgwFoAUcra3+35YbDEgMIBX+7w558CX1KIwDwYDVR0TAQH/\n"
                             "BAUwAwEB/zAKBggqhkjOPQQDAgNHADBEAiBGgc9zsWXwBs4C++q8KcZpUxdJGEHo\n"
                             "mS7/7z8Dw88LcAIgUWuvgNxx9J1i5Cdzy8/G2bT62sp5+IJR0RqNPeeDH9w=\n"
                             "-----END CERTIFICATE-----\n";

static const char ED_PUB[] = "-----BEGIN PUBLIC KEY-----\n"
                             "MCowBQYDK2VwAyEAC1rc+949eeeF2sM5g9SZn69rvMsybur8H7Pu5eeZKCg=\n"
                             "-----END PUBLIC KEY-----\n";

static const char RSA_JWK[] =
        "{\"kty\":\"RSA\",\"n\":\"vgM8i3ig6zVlulb9wwRiBg0nCHzEas-"
        "4afEscO33QIZb9zl4zzZm5GpWNiMaeFeHa9eaSgnfczyTDdvHAsLiLG8nreFQczGgyp3fLC3FHvjjA1mG_zIf-"
        "wFCa4i5s0WQonhWSujUikjUjbdKJBANeUX2D0oHquXNzKHn3xy_cfaNVyc6Lh3jfdH3838p3GwX_"
        "UmSSo9ZwlGRIQcZGn_u5PtKG4SrhjbqD_7ZNtDVTlvsW3UA7Xpm6hFWWYrpDa6rMwwq54caKL6kcVNjTFs7aYu_"
        "ZE7NrxsqP5O8I61GVQ7TBK8S4rvFqdOxoVI6aMl4hu7Qxwur6jLAx2Quc2zrEQ\",\"e\":\"AQAB\",\"d\":"
        "\"Sn7Usp12tc-uQ3MMXT-iLsS1jLipKyguqMPpBqi94be8i1o1cFNJg8P_1CMy32yAtrRUmF-obHLH-"
        "HYIqpA9bxe73GxQbVHHvD8DUx3a8j5eK9AmThvNhJd9lNECOYbbmvVAKwe7tdXujqEkTlIL5zh7Usb69tSxGud9T_"
        "gt2nvo7CRfXey7LC65eZuUTdGF_aVxb3ebRgFOSoFdNnsIZ4xhOQhbR48cbR5Bva2cYAUUpMO5vjDcALFR6Qz_"
        "C7Sh1lXUzaCr2k9gl6YLeLWOf-qNKRYIpqFaiAF4vNInjjjupXSzukNhczynt1mJZBU-"
        "Lqpybq0iXTpf4sJN3P8B\",\"p\":\"9hT1rwYytT0R9-XZWTdVlUos6pIZrjYVgJVPkObVVKKozTbpIVC55bidD-"
        "7D6NaLyazCvbFMiCVc7ek4TnHGXVpiXVmBppn6d9CSviKFjfdBxis7cIAxXDuntTK7CA_"
        "05AhwC2GPoRhoEZWk40jAGjBKq0n-v6dj1xJtOp7OWsE\",\"q\":\"xavDChn-qRJ_"
        "El5YXrrNzteWlBUcZ2FDs6r-Xb9otcipFYnyPwg0faVhBPFYW4v_SO_7Zs_qd8Mb73i3hEUfGe_"
        "aGPhQiOAYnueUJaA9p_Zj8xnRQ9KihpkxJipzqZk_jIVnEDBakMzo-Yyom1crf36_DF6duduiYXvCl8VzNFE\","
        "\"dp\":\"21URKgAfQDT_h_HBCOjuChND94tjAkjIX4Q1l9R2vmoAhHB12DDokF08-"
        "I965FQd4hJuvL6DlTGgI5lki16TTG-cDtIRYhoKCbLIqFmCqmeAo42y-_H2jNvK_hEKbQQz5O-"
        "0ViCN8SscztePUNluB6mVVBiuy8n5jh-pZb9X88E\",\"dq\":\"ZqDY8KOybkGmK_"
        "lD1FsUg7G3Akc7qgj7x4qd6jp4uPjnoMEwPr2Z0ypMBu7vOwiikFHYqvaD-44XMOvyDAB_"
        "N04qZBB4b7g50DbX2fkqScxI9GyRE6-Gpm9e7zvXNVTVg7W3XtZcDxX0V6xJ1e0aLmW190wgg-CenBJPY9EmESE\","
        "\"qi\":"
        "\"AWKiceN4NJXCcqvjxxa7vJRhkMJAHXAhZbuOptLhO5K2HyeKoz0VNBUy3l2bIIlfEBdqC4QZPWimgoesSfum3Y3P"
        "mN5jYzGnSW4vWI2tUTLU9u8Fe811eCcT8rj-J-uHYDIKzwDxS0aefAlLY8duJCFoz2wlcUUoQH-RJpgkJ2o\"}";

static const char RSA_JWK_PUB[] =
        "{\"kty\":\"RSA\",\"n\":\"vgM8i3ig6zVlulb9wwRiBg0nCHzEas-"
        "4afEscO33QIZb9zl4zzZm5GpWNiMaeFeHa9eaSgnfczyTDdvHAsLiLG8nreFQczGgyp3fLC3FHvjjA1mG_zIf-"
        "wFCa4i5s0WQonhWSujUikjUjbdKJBANeUX2D0oHquXNzKHn3xy_cfaNVyc6Lh3jfdH3838p3GwX_"
        "UmSSo9ZwlGRIQcZGn_u5PtKG4SrhjbqD_7ZNtDVTlvsW3UA7Xpm6hFWWYrpDa6rMwwq54caKL6kcVNjTFs7aYu_"
        "ZE7NrxsqP5O8I61GVQ7TBK8S4rvFqdOxoVI6aMl4hu7Qxwur6jLAx2Quc2zrEQ\",\"e\":\"AQAB\"}";

static const char EC_JWK[] =
        "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"S6Q4nWgB0OICScklpWIYUO5ieeZFzYecDlyIdcIIMsI\","
        "\"y\":\"rMKfHxF7VHgtLwNKOdvzwFOTKpe8f1KRX1z90QWeNTY\",\"d\":\"LMbTslxdGZXZYq16xx3vDP-"
        "tfIg07bvrBd2fsEfJr4w\"}";

static const char EC_JWK_PUB[] =
        "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"S6Q4nWgB0OICScklpWIYUO5ieeZFzYecDlyIdcIIMsI\","
        "\"y\":\"rMKfHxF7VHgtLwNKOdvzwFOTKpe8f1KRX1z90QWeNTY\"}";

static const char ED_JWK[] = "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"C1rc-"
                             "949eeeF2sM5g9SZn69rvMsybur8H7Pu5eeZKCg\",\"d\":\"jpbALMjz-"
                             "vTr8SrfntW2Wpw2GobHhcrrsJ9Fo6fuE0o\"}";

static const char ED_JWK_PUB[] = "{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\"C1rc-"
                                 "949eeeF2sM5g9SZn69rvMsybur8H7Pu5eeZKCg\"}";

static const char TOK_HS256[] =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
        "eyJhdWQiOiJhcGkiLCJleHAiOjE5MDAwMDAwMDAsImlzcyI6ImtzbyIsIm5iZiI6MTYwMDAwMDAwMCwic3ViIjoiYm"
        "9iIn0.ENLWFhKzZZUEyCoUP_xO3Ud4rNd9XFdnh_KRn_CbXEc";

static const char TOK_HS512[] =
        "eyJhbGciOiJIUzUxMiJ9."
        "eyJhdWQiOiJhcGkiLCJleHAiOjE5MDAwMDAwMDAsImlzcyI6ImtzbyIsIm5iZiI6MTYwMDAwMDAwMCwic3ViIjoiYm"
        "9iIn0.yyPVp9byCEKym_MDpqLelP0YYnKZynnpoN0tG8OtpH6bqcHZ4398IYQOI4k43ZUM_LURefRxV7po1_"
        "GcJIXvdQ";

static const char TOK_RS256[] =
        "eyJhbGciOiJSUzI1NiIsImtpZCI6InIxIn0."
        "eyJhdWQiOiJhcGkiLCJleHAiOjE5MDAwMDAwMDAsImlzcyI6ImtzbyIsIm5iZiI6MTYwMDAwMDAwMCwic3ViIjoiYm"
        "9iIn0.h_esHC6UR-DCoEa_09UHa73x9gEjHqc5AIEm0YvEsFpShRoFYZk3nbU0vghF-"
        "8VFTj18iwCgpRXXIEbIflVWPmWdhL0ZK0rHL7KeRgwEeElaVGay3p6pcotrQc_"
        "4Qys8KfOPdTxJks9FwkgmDCeRiwnjOIwbl9cLX3bUKw5_"
        "G2yaVyzagyAob4yQrrH1owHqclTb7cglEqGo5m8n1NvDNZBu7S2zYlFeUCtnyqbEzTnFvaX4FF0Tw5hdhyEcSFxHhr"
        "mADcFsM7rV-uODGTpGE-o1VHNndyFFVrQ2OoAJYWTNK48qrbv800Q2kW0R7acPvQcnoi1Kn5ehhBtRaSx5ug";

static const char TOK_RS384[] =
        "eyJhbGciOiJSUzM4NCJ9."
        "eyJhdWQiOiJhcGkiLCJleHAiOjE5MDAwMDAwMDAsImlzcyI6ImtzbyIsIm5iZiI6MTYwMDAwMDAwMCwic3ViIjoiYm"
        "9iIn0.XPR_IhaGRqqJVAzv-5mFoBrAZWe4zyLdWKKaKt_"
        "pheNGLlQPztpbSjBmq6QnnQOV2kYD7qVW46C9VAeHZ63ymFMKsLjYQctRHQtaxiKc8NYIRz3PwQXjtiQWg00pNPKLT"
        "OdlbSLxwB4x0nfcb1Rk60XsNNYVyobDYN9lsEdvlf28ORNG33hrauwSoFu92z27MEX8xbErJ7bEN1hb7GbZ69sCMEw"
        "azaUHgv_sFiyEMjyjhlHsFG0dqtihK2-TUUfblZ_zDleAomPpX-9tgfv8AyXeB1CkLwQRe_NDuud-vO2Ho0x6Q-"
        "GvwQzfaYjy5fkfQEX8Nbp4vCxDeeLNiOociw";

static const char TOK_PS256[] =
        "eyJhbGciOiJQUzI1NiJ9."
        "eyJhdWQiOiJhcGkiLCJleHAiOjE5MDAwMDAwMDAsImlzcyI6ImtzbyIsIm5iZiI6MTYwMDAwMDAwMCwic3ViIjoiYm"
        "9iIn0.liZO5TUFsPLm0E9yFWw5YZBPnMMvn7GPyRt9MJexQ3aAoXhzNZJ9H1zeXU5_-ORFB6Fg_"
        "A3XHMveiMWZ63nUsj9sJWAaPphBGgJwTV-i0SO5azBlCrpT1uQsOGt-x9Ox4OB7OWeaYr1paQM8VT8gU-"
        "40ks4dYhFuDNbPTGHVTl3NqvTe_"
        "57tO4d3qiE2UCVLICgX7PrucNPf4xVOzgeehtvxoTQdzYmXF3VvPtjIFoE8JpcRUfVJQ1O4lzBVlsXWkCumwtTprvz"
        "9v7LBKDevzp3RIT4q5CaCAhfzxasvMjLFfOrdHmJtyuI_3eM-TG2WC9GE7R2ixAHVeQ2IKk0HGg";

static const char TOK_ES256[] =
        "eyJhbGciOiJFUzI1NiJ9."
        "eyJhdWQiOiJhcGkiLCJleHAiOjE5MDAwMDAwMDAsImlzcyI6ImtzbyIsIm5iZiI6MTYwMDAwMDAwMCwic3ViIjoiYm"
        "9iIn0.uz2OkeIK6eCmNDUFGKCtMfVMCSuXWM1OST7ycVCIRwj302Tl5U-O1RJVFO_kqFSv-qJc1t5rH3MO_"
        "bRFPrPfzQ";

static const char TOK_EDDSA[] =
        "eyJhbGciOiJFZERTQSJ9."
        "eyJhdWQiOiJhcGkiLCJleHAiOjE5MDAwMDAwMDAsImlzcyI6ImtzbyIsIm5iZiI6MTYwMDAwMDAwMCwic3ViIjoiYm"
        "9iIn0.CTSKCDQ2w32DR67X-iiHu6IeQIDQod5qJ3OGI9qY7aOV-"
        "ryPq3IHmHsuM10eUTYY1AKdWo96svUrhF7LEFOjBw";

static const char TOK_NESTED[] =
        "eyJhbGciOiJIUzI1NiIsImN0eSI6IkpXVCIsInR5cCI6IkpPU0UifQ."
        "ZXlKaGJHY2lPaUpJVXpJMU5pSXNJblI1Y0NJNklrcFhWQ0o5LmV5SmhkV1FpT2lKaGNHa2lMQ0psZUhBaU9qRTVNRE"
        "F3TURBd01EQXNJbWx6Y3lJNkltdHpieUlzSW01aVppSTZNVFl3TURBd01EQXdNQ3dpYzNWaUlqb2lZbTlpSW4wLkVO"
        "TFdGaEt6WlpVRXlDb1VQX3hPM1VkNHJOZDlYRmRuaF9LUm5fQ2JYRWM.3IkMI3nIN6LMIBf-ztkvBhZ-"
        "gADB4e7rSOFOEbXhdm4";

static const char TOK_PSMAX[] =
        "eyJhbGciOiJQUzI1NiJ9.eyJzdWIiOiJtYXgtc2FsdCJ9.b6e03BR61A_8xIE-zVa2YvpYmO6p_55zNNe-wmvigj-"
        "L98ML4K2iow2cUCTwfUSJTvpToFf3y6wuuH3HWOxlJeT8kaoBKultkMi2Ow3HV7L8JEVTqg_"
        "lM42xRWNmG7VvhFCdAnv18Pxz1wqAsHJpEqHBPp1nXQ0J-4T9A7cSaNXtToCn_9rvQwUreO8-ljKdVUwG_"
        "GCoXhLKUjG3148mGbWSd_gNuIgi3jseULwxFWjEzVntFG0FFJ_AVbg7bzSOkMvh-tx-"
        "gm28LKw9sLHSybXcNQfyl03HIMWSOcO3BQUlW4s8Jxzrv4fmaXpYoiLtWth6PjwPMiBNw5BlYqix5w";

static const char RSA_PKCS1_PEM[] =
        "-----BEGIN RSA PRIVATE KEY-----\n"
        "MIIEoQIBAAKCAQEAvgM8i3ig6zVlulb9wwRiBg0nCHzEas+4afEscO33QIZb9zl4\n"
        "zzZm5GpWNiMaeFeHa9eaSgnfczyTDdvHAsLiLG8nreFQczGgyp3fLC3FHvjjA1mG\n"
        "/zIf+wFCa4i5s0WQonhWSujUikjUjbdKJBANeUX2D0oHquXNzKHn3xy/cfaNVyc6\n"
        "Lh3jfdH3838p3GwX/UmSSo9ZwlGRIQcZGn/u5PtKG4SrhjbqD/7ZNtDVTlvsW3UA\n"
        "7Xpm6hFWWYrpDa6rMwwq54caKL6kcVNjTFs7aYu/ZE7NrxsqP5O8I61GVQ7TBK8S\n"
        "4rvFqdOxoVI6aMl4hu7Qxwur6jLAx2Quc2zrEQIDAQABAoH/Sn7Usp12tc+uQ3MM\n"
        "XT+iLsS1jLipKyguqMPpBqi94be8i1o1cFNJg8P/1CMy32yAtrRUmF+obHLH+HYI\n"
        "qpA9bxe73GxQbVHHvD8DUx3a8j5eK9AmThvNhJd9lNECOYbbmvVAKwe7tdXujqEk\n"
        "TlIL5zh7Usb69tSxGud9T/gt2nvo7CRfXey7LC65eZuUTdGF/aVxb3ebRgFOSoFd\n"
        "NnsIZ4xhOQhbR48cbR5Bva2cYAUUpMO5vjDcALFR6Qz/C7Sh1lXUzaCr2k9gl6YL\n"
        "eLWOf+qNKRYIpqFaiAF4vNInjjjupXSzukNhczynt1mJZBU+Lqpybq0iXTpf4sJN\n"
        "3P8BAoGBAPYU9a8GMrU9Effl2Vk3VZVKLOqSGa42FYCVT5Dm1VSiqM026SFQueW4\n"
        "nQ/uw+jWi8mswr2xTIglXO3pOE5xxl1aYl1ZgaaZ+nfQkr4ihY33QcYrO3CAMVw7\n"
        "p7UyuwgP9OQIcAthj6EYaBGVpONIwBowSqtJ/r+nY9cSbTqezlrBAoGBAMWrwwoZ\n"
        "/qkSfxJeWF66zc7XlpQVHGdhQ7Oq/l2/aLXIqRWJ8j8INH2lYQTxWFuL/0jv+2bP\n"
        "6nfDG+94t4RFHxnv2hj4UIjgGJ7nlCWgPaf2Y/MZ0UPSooaZMSYqc6mZP4yFZxAw\n"
        "WpDM6PmMqJtXK39+vwxenbnbomF7wpfFczRRAoGBANtVESoAH0A0/4fxwQjo7goT\n"
        "Q/eLYwJIyF+ENZfUdr5qAIRwddgw6JBdPPiPeuRUHeISbry+g5UxoCOZZItek0xv\n"
        "nA7SEWIaCgmyyKhZgqpngKONsvvx9ozbyv4RCm0EM+TvtFYgjfErHM7Xj1DZbgep\n"
        "lVQYrsvJ+Y4fqWW/V/PBAoGAZqDY8KOybkGmK/lD1FsUg7G3Akc7qgj7x4qd6jp4\n"
        "uPjnoMEwPr2Z0ypMBu7vOwiikFHYqvaD+44XMOvyDAB/N04qZBB4b7g50DbX2fkq\n"
        "ScxI9GyRE6+Gpm9e7zvXNVTVg7W3XtZcDxX0V6xJ1e0aLmW190wgg+CenBJPY9Em\n"
        "ESECgYABYqJx43g0lcJyq+PHFru8lGGQwkAdcCFlu46m0uE7krYfJ4qjPRU0FTLe\n"
        "XZsgiV8QF2oLhBk9aKaCh6xJ+6bdjc+Y3mNjMadJbi9Yja1RMtT27wV7zXV4JxPy\n"
        "uP4n64dgMgrPAPFLRp58CUtjx24kIWjPbCVxRShAf5EmmCQnag==\n"
        "-----END RSA PRIVATE KEY-----\n";

static const char EC_PKCS8_PEM[] =
        "-----BEGIN PRIVATE KEY-----\n"
        "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgLMbTslxdGZXZYq16\n"
        "xx3vDP+tfIg07bvrBd2fsEfJr4yhRANCAARLpDidaAHQ4gJJySWlYhhQ7mJ55kXN\n"
        "h5wOXIh1wggywqzCnx8Re1R4LS8DSjnb88BTkyqXvH9SkV9c/dEFnjU2\n"
        "-----END PRIVATE KEY-----\n";

static const char OCT_JWK[] = "{\"kty\":\"oct\",\"k\":\"a3NvLXNlY3JldA\"}";
#define SECRET "kso-secret"
#define NOW    1700000000000000000LL

static kv_value S(const char *s)
{
    return kv_str_ref(s, strlen(s));
}

/* EXPECT(a, name, want, n, args...): a defined result, as compact JSON;
 * EXPECT_ERR: the error message. */
#define EXPECT(a, name, want, n, ...) \
    bt_expect_values(a, name, ((kv_value[]){__VA_ARGS__}), n, want)
#define EXPECT_ERR(a, name, want, n, ...) \
    bt_expect_err_values(a, name, ((kv_value[]){__VA_ARGS__}), n, BT_ANY_CODE, want)

/* base64url without padding of s, in the arena. */
static const char *b64(ks_arena *a, const char *s)
{
    ks_buf b = KS_BUF_INIT;
    ks_base64_encode(&b, s, strlen(s), KS_B64_URL | KS_B64_NOPAD);
    char *r = ks_arena_strndup(a, ks_buf_cstr(&b), b.len);
    ks_buf_free(&b);
    return r;
}

/* header.payload.signature from JSON texts (signature given encoded). */
static kv_value token(ks_arena *a, const char *hdr, const char *payload, const char *sig)
{
    char buf[4096];
    int n = snprintf(buf, sizeof(buf), "%s.%s.%s", b64(a, hdr), b64(a, payload), sig);
    assert_true(n > 0 && (size_t)n < sizeof(buf));
    return kv_str_ref(ks_arena_strndup(a, buf, (size_t)n), (size_t)n);
}

static void test_decode(void **state)
{
    ks_arena *a = *state;
    EXPECT(a, "io.jwt.decode",
           "[{\"alg\":\"HS256\",\"typ\":\"JWT\"},{\"aud\":\"api\",\"exp\":1900000000,\"iss\":"
           "\"kso\",\"nbf\":1600000000,\"sub\":\"bob\"},"
           "\"10d2d61612b3659504c82a143ffc4edd4778acd77d5c576787f2919ff09b5c47\"]",
           1, S(TOK_HS256));
    /* Nested tokens (cty JWT) decode to the innermost one. */
    EXPECT(a, "io.jwt.decode",
           "[{\"alg\":\"HS256\",\"typ\":\"JWT\"},{\"aud\":\"api\",\"exp\":1900000000,\"iss\":"
           "\"kso\",\"nbf\":1600000000,\"sub\":\"bob\"},"
           "\"10d2d61612b3659504c82a143ffc4edd4778acd77d5c576787f2919ff09b5c47\"]",
           1, S(TOK_NESTED));
    /* A quoted inner token (as jwt.io writes it) loses its quotes. */
    char quoted[1024];
    snprintf(quoted, sizeof(quoted), "'\"%s\"'", TOK_HS256);
    EXPECT(a, "io.jwt.decode",
           "[{\"alg\":\"HS256\",\"typ\":\"JWT\"},{\"aud\":\"api\",\"exp\":1900000000,\"iss\":"
           "\"kso\",\"nbf\":1600000000,\"sub\":\"bob\"},"
           "\"10d2d61612b3659504c82a143ffc4edd4778acd77d5c576787f2919ff09b5c47\"]",
           1, token(a, "{\"cty\":\"JWT\"}", quoted, "AA"));
    /* Duplicate keys: the last wins; unicode and big numbers survive. */
    EXPECT(a, "io.jwt.decode",
           "[{\"alg\":\"none\"},{\"a\":2,\"big\":123456789012345678901234567890,\"u\":\"\xc3\xa9\"}"
           ","
           "\"\"]",
           1,
           token(a, "{\"alg\":\"none\"}",
                 "{\"a\":1,\"a\":2,\"u\":\"\\u00e9\",\"big\":123456789012345678901234567890}", ""));
    /* Errors, in OPA's words. */
    EXPECT_ERR(a, "io.jwt.decode", "io.jwt.decode: operand 1 must be string but got number", 1,
               kv_int(1));
    EXPECT_ERR(a, "io.jwt.decode", "io.jwt.decode: encoded JWT had no period separators", 1,
               S("abc"));
    EXPECT_ERR(a, "io.jwt.decode", "io.jwt.decode: encoded JWT must have 3 sections, found 2", 1,
               S("a.b"));
    EXPECT_ERR(a, "io.jwt.decode", "io.jwt.decode: encoded JWT must have 3 sections, found 4", 1,
               S("a.b.c.d"));
    EXPECT_ERR(a, "io.jwt.decode",
               "io.jwt.decode: JWT header had invalid encoding: illegal base64 data at input "
               "byte 4",
               1, S("eyJh^GciOiJIUzI1NiJ9.e30.AA"));
    EXPECT_ERR(a, "io.jwt.decode",
               "io.jwt.decode: JWT header had invalid encoding: illegal base64url string: a", 1,
               S("a.e30.AA"));
    EXPECT_ERR(a, "io.jwt.decode",
               "io.jwt.decode: JWT payload had invalid encoding: illegal base64 data at input "
               "byte 1",
               1, S("e30.e/.AA"));
    EXPECT_ERR(a, "io.jwt.decode",
               "io.jwt.decode: JWT signature had invalid encoding: illegal base64 data at input "
               "byte 2",
               1, S("e30.e30.AA(A"));
    EXPECT_ERR(a, "io.jwt.decode", "io.jwt.decode: JWT is a JWE object, which is not supported", 1,
               token(a, "{\"alg\":\"RSA-OAEP\",\"enc\":\"A256GCM\"}", "{}", "AA"));
    EXPECT_ERR(a, "io.jwt.decode",
               "io.jwt.decode: bad JWT header: decoded JSON type was not an Object", 1,
               token(a, "[1]", "{}", "AA"));
    EXPECT_ERR(a, "io.jwt.decode", "io.jwt.decode: bad JWT header: invalid JSON: unexpected EOF", 1,
               token(a, "{\"a\":", "{}", "AA"));
    EXPECT_ERR(a, "io.jwt.decode", "io.jwt.decode: decoded JSON type was not an Object", 1,
               token(a, "{}", "\"str\"", "AA"));
    EXPECT_ERR(a, "io.jwt.decode",
               "io.jwt.decode: invalid JSON: invalid character 'o' in literal null (expecting "
               "'u')",
               1, token(a, "{}", "nope", "AA"));
}

static void test_verify_hs(void **state)
{
    ks_arena *a = *state;
    EXPECT(a, "io.jwt.verify_hs256", "true", 2, S(TOK_HS256), S(SECRET));
    EXPECT(a, "io.jwt.verify_hs256", "false", 2, S(TOK_HS256), S("other"));
    EXPECT(a, "io.jwt.verify_hs384", "false", 2, S(TOK_HS256), S(SECRET));
    EXPECT(a, "io.jwt.verify_hs512", "true", 2, S(TOK_HS512), S(SECRET));
    /* The header is not decoded: only the signature's encoding matters. */
    EXPECT(a, "io.jwt.verify_hs256", "false", 2, S("junk.junk.AAAA"), S(SECRET));
    EXPECT_ERR(a, "io.jwt.verify_hs256",
               "io.jwt.verify_hs256: encoded JWT must have 3 sections, found 2", 2, S("a.b"),
               S(SECRET));
    EXPECT_ERR(a, "io.jwt.verify_hs256", "io.jwt.verify_hs256: illegal base64url string: c", 2,
               S("a.b.c"), S(SECRET));
    EXPECT_ERR(a, "io.jwt.verify_hs256",
               "io.jwt.verify_hs256: operand 2 must be string but got null", 2, S("a.b.c"),
               kv_null());
}

static void test_verify_asymmetric(void **state)
{
    ks_arena *a = *state;
    /* RSA PKCS#1 v1.5 with a certificate, a public key, a JWK and a set. */
    EXPECT(a, "io.jwt.verify_rs256", "true", 2, S(TOK_RS256), S(RSA_CRT));
    EXPECT(a, "io.jwt.verify_rs256", "true", 2, S(TOK_RS256), S(RSA_PUB));
    EXPECT(a, "io.jwt.verify_rs256", "true", 2, S(TOK_RS256), S(RSA_JWK_PUB));
    EXPECT(a, "io.jwt.verify_rs384", "true", 2, S(TOK_RS384), S(RSA_PUB));
    EXPECT(a, "io.jwt.verify_rs512", "false", 2, S(TOK_RS384), S(RSA_PUB));
    /* Go's type assertion wants a public key: a private JWK never verifies. */
    EXPECT(a, "io.jwt.verify_rs256", "false", 2, S(TOK_RS256), S(RSA_JWK));
    /* Keys of another kind, or of another algorithm in a set, do not. */
    EXPECT(a, "io.jwt.verify_rs256", "false", 2, S(TOK_RS256), S(EC_PUB));
    EXPECT(a, "io.jwt.verify_es256", "false", 2, S(TOK_RS256), S(RSA_PUB));
    char set[4096];
    snprintf(set, sizeof(set), "{\"keys\":[%s,%.*s,\"kid\":\"r1\"}]}", EC_JWK_PUB,
             (int)strlen(RSA_JWK_PUB) - 1, RSA_JWK_PUB);
    EXPECT(a, "io.jwt.verify_rs256", "true", 2, S(TOK_RS256), S(set));
    snprintf(set, sizeof(set), "{\"keys\":[%.*s,\"alg\":\"RS512\"}]}", (int)strlen(RSA_JWK_PUB) - 1,
             RSA_JWK_PUB);
    EXPECT(a, "io.jwt.verify_rs384", "false", 2, S(TOK_RS384), S(set));
    /* A kid that matches picks that key alone, even a wrong one. */
    snprintf(set, sizeof(set), "{\"keys\":[%.*s,\"kid\":\"r1\"},%s]}", (int)strlen(EC_JWK_PUB) - 1,
             EC_JWK_PUB, RSA_JWK_PUB);
    EXPECT(a, "io.jwt.verify_rs256", "false", 2, S(TOK_RS256), S(set));
    /* PSS: OPA's salts, the largest salt too (Go accepts any length). */
    EXPECT(a, "io.jwt.verify_ps256", "true", 2, S(TOK_PS256), S(RSA_CRT));
    EXPECT(a, "io.jwt.verify_ps256", "true", 2, S(TOK_PSMAX), S(RSA_PUB));
    EXPECT(a, "io.jwt.verify_ps384", "false", 2, S(TOK_PS256), S(RSA_PUB));
    /* ECDSA and EdDSA. */
    EXPECT(a, "io.jwt.verify_es256", "true", 2, S(TOK_ES256), S(EC_CRT));
    EXPECT(a, "io.jwt.verify_es256", "true", 2, S(TOK_ES256), S(EC_JWK_PUB));
    EXPECT(a, "io.jwt.verify_es384", "false", 2, S(TOK_ES256), S(EC_PUB));
    EXPECT(a, "io.jwt.verify_eddsa", "true", 2, S(TOK_EDDSA), S(ED_PUB));
    EXPECT(a, "io.jwt.verify_eddsa", "true", 2, S(TOK_EDDSA), S(ED_JWK_PUB));
    EXPECT(a, "io.jwt.verify_eddsa", "false", 2, S(TOK_EDDSA), S(ED_JWK));
    /* A changed payload fails. */
    char bad[2048];
    snprintf(bad, sizeof(bad), "%s", TOK_RS256);
    char *dot = strchr(bad, '.');
    dot[1] = dot[1] == 'e' ? 'f' : 'e';
    EXPECT(a, "io.jwt.verify_rs256", "false", 2, S(bad), S(RSA_PUB));
}

static void test_verify_key_errors(void **state)
{
    ks_arena *a = *state;
    const char *jwk = "io.jwt.verify_rs256: failed to parse a JWK key (set): jwk.ParseString: "
                      "failed to parse string: jwk.Parse: ";
    char want[1024];
#define KEY_ERR(key, msg)                                                   \
    do {                                                                    \
        snprintf(want, sizeof(want), "%s%s", jwk, msg);                     \
        EXPECT_ERR(a, "io.jwt.verify_rs256", want, 2, S("a.b.cc"), S(key)); \
    } while (0)
    KEY_ERR("{}", "failed to parse sole key: jwk.ParseKey: invalid key type from JSON ()");
    KEY_ERR("{\"kty\":\"RSA\",\"n\":\"AQAB\"}",
            "failed to parse sole key: jwk.ParseKey: failed to unmarshal JSON into key "
            "(*jwk.rsaPublicKey): failed to unmarshal JSON into key (*jwk.rsaPublicKey): "
            "required field e is missing");
    KEY_ERR("{\"kty\":\"RSA\",\"n\":\"@@\",\"e\":\"AQAB\"}",
            "failed to parse sole key: jwk.ParseKey: failed to unmarshal JSON into key "
            "(*jwk.rsaPublicKey): failed to unmarshal JSON into key (*jwk.rsaPublicKey): "
            "failed to decode value for key n: expected base64 encoded []byte (string)");
    KEY_ERR("{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"AQAB\",\"y\":\"AQAB\"}",
            "failed to parse sole key: jwk.ParseKey: jwk.Parse: key validation failed: key "
            "validation failed: jwk.ECDSAPublicKey: invalid \"x\" length (3) for curve "
            "\"P-256\"");
    KEY_ERR("{\"keys\":[{\"kty\":\"oct\"}]}",
            "failed to unmarshal JWK set: failed to decode key #0 in \"keys\": jwk.ParseKey: "
            "failed to unmarshal JSON into key (*jwk.symmetricKey): failed to unmarshal JSON "
            "into key (*jwk.symmetricKey): required field k is missing");
    KEY_ERR("", "failed to parse sole key: jwk.ParseKey: jwk.Parse: failed to probe data: probe: "
                "failed to unmarshal data: EOF");
    KEY_ERR("{\"kty\":5}",
            "failed to parse sole key: jwk.ParseKey: jwk.Parse: failed to probe data: probe: "
            "failed to unmarshal data: json: cannot unmarshal number into Go struct field .kty "
            "of type string");
#undef KEY_ERR
    EXPECT_ERR(a, "io.jwt.verify_rs256",
               "io.jwt.verify_rs256: failed to extract a Key from the PEM certificate", 2,
               S("a.b.cc"), S("-----BEGIN FOO-----\nAAAA\n-----END FOO-----\n"));
    EXPECT_ERR(a, "io.jwt.verify_rs256",
               "io.jwt.verify_rs256: failed to parse a PEM certificate: x509: malformed "
               "certificate",
               2, S("a.b.cc"), S("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"));
    char extra[4096];
    snprintf(extra, sizeof(extra), "%sjunk", RSA_CRT);
    EXPECT_ERR(a, "io.jwt.verify_rs256",
               "io.jwt.verify_rs256: extra data after a PEM certificate block", 2, S("a.b.cc"),
               S(extra));
    /* Text before the block is skipped, as Go's pem.Decode does. */
    snprintf(extra, sizeof(extra), "junk\n%s", RSA_CRT);
    EXPECT(a, "io.jwt.verify_rs256", "true", 2, S(TOK_RS256), S(extra));
    /* Keys whose alg is no JWS algorithm are dropped from sets. */
    EXPECT(a, "io.jwt.verify_rs256", "false", 2, S(TOK_RS256),
           S("{\"keys\":[{\"kty\":\"oct\",\"k\":\"YQ\",\"alg\":\"A128KW\"}]}"));
    /* Header parameters of the wrong type. */
    EXPECT_ERR(a, "io.jwt.verify_rs256", "io.jwt.verify_rs256: alg: must be a string", 2,
               token(a, "{\"alg\":5}", "{}", "AA"), S(RSA_PUB));
    EXPECT_ERR(a, "io.jwt.verify_rs256", "io.jwt.verify_rs256: crit: must be a nonempty list", 2,
               token(a, "{\"alg\":\"RS256\",\"crit\":[]}", "{}", "AA"), S(RSA_PUB));
}

static void test_decode_verify(void **state)
{
    ks_arena *a = *state;
    const char *claims = "{\"aud\":\"api\",\"exp\":1900000000,\"iss\":\"kso\",\"nbf\":1600000000,"
                         "\"sub\":\"bob\"}";
    char want[1024];
    snprintf(want, sizeof(want), "[true,{\"alg\":\"HS256\",\"typ\":\"JWT\"},%s]", claims);
    const char *no = "[false,{},{}]";
    kv_value hs = S(TOK_HS256);
    EXPECT(a, "io.jwt.decode_verify", want, 2, hs,
           tu_json(a, "{\"secret\":\"kso-secret\",\"aud\":\"api\",\"iss\":\"kso\"}"));
    /* The audience is required when the token has one. */
    EXPECT(a, "io.jwt.decode_verify", no, 2, hs, tu_json(a, "{\"secret\":\"kso-secret\"}"));
    EXPECT(a, "io.jwt.decode_verify", no, 2, hs,
           tu_json(a, "{\"secret\":\"kso-secret\",\"aud\":\"api\",\"iss\":\"other\"}"));
    EXPECT(a, "io.jwt.decode_verify", no, 2, hs,
           tu_json(a, "{\"secret\":\"wrong\",\"aud\":\"api\"}"));
    EXPECT(a, "io.jwt.decode_verify", no, 2, hs,
           tu_json(a, "{\"secret\":\"kso-secret\",\"aud\":\"api\",\"alg\":\"HS512\"}"));
    /* Time: nbf inclusive, exp exclusive, in seconds against nanoseconds
     * (as float64, so 1599999999999999999 would round up to the nbf). */
    EXPECT(a, "io.jwt.decode_verify", want, 2, hs,
           tu_json(a, "{\"secret\":\"kso-secret\",\"aud\":\"api\",\"time\":1600000000000000000}"));
    EXPECT(a, "io.jwt.decode_verify", no, 2, hs,
           tu_json(a, "{\"secret\":\"kso-secret\",\"aud\":\"api\",\"time\":1599999999000000000}"));
    EXPECT(a, "io.jwt.decode_verify", no, 2, hs,
           tu_json(a, "{\"secret\":\"kso-secret\",\"aud\":\"api\",\"time\":1900000000000000000}"));
    /* Keys: a JWK set with an oct key verifies HMAC; private keys verify. */
    EXPECT(a, "io.jwt.decode_verify", want, 2, hs,
           tu_json(a, "{\"cert\":\"{\\\"kty\\\":\\\"oct\\\",\\\"k\\\":\\\"a3NvLXNlY3JldA\\\"}\","
                      "\"aud\":\"api\"}"));
    kv_member m[2] = {{S("aud"), S("api")}, {S("cert"), S(RSA_JWK)}};
    kv_value cons;
    assert_int_equal(kv_object_new(a, m, 2, KV_DUP_ERROR, &cons, NULL), 0);
    snprintf(want, sizeof(want), "[true,{\"alg\":\"RS256\",\"kid\":\"r1\"},%s]", claims);
    EXPECT(a, "io.jwt.decode_verify", want, 2, S(TOK_RS256), cons);
    /* PSS salts other than the hash's length do not verify here. */
    m[1].val = S(RSA_PUB);
    assert_int_equal(kv_object_new(a, m, 2, KV_DUP_ERROR, &cons, NULL), 0);
    EXPECT(a, "io.jwt.decode_verify", no, 2, S(TOK_PSMAX), cons);
    snprintf(want, sizeof(want), "[true,{\"alg\":\"PS256\"},%s]", claims);
    EXPECT(a, "io.jwt.decode_verify", want, 2, S(TOK_PS256), cons);
    m[1].val = S(EC_CRT);
    assert_int_equal(kv_object_new(a, m, 2, KV_DUP_ERROR, &cons, NULL), 0);
    snprintf(want, sizeof(want), "[true,{\"alg\":\"ES256\"},%s]", claims);
    EXPECT(a, "io.jwt.decode_verify", want, 2, S(TOK_ES256), cons);
    m[1].val = S(ED_JWK);
    assert_int_equal(kv_object_new(a, m, 2, KV_DUP_ERROR, &cons, NULL), 0);
    snprintf(want, sizeof(want), "[true,{\"alg\":\"EdDSA\"},%s]", claims);
    EXPECT(a, "io.jwt.decode_verify", want, 2, S(TOK_EDDSA), cons);
    /* Nested: the inner token's header and claims. */
    snprintf(want, sizeof(want), "[true,{\"alg\":\"HS256\",\"typ\":\"JWT\"},%s]", claims);
    EXPECT(a, "io.jwt.decode_verify", want, 2, S(TOK_NESTED),
           tu_json(a, "{\"secret\":\"kso-secret\",\"aud\":\"api\"}"));
    /* A header without alg, or with an unknown critical parameter. */
    EXPECT(a, "io.jwt.decode_verify", no, 2, token(a, "{}", "{}", "AA"),
           tu_json(a, "{\"secret\":\"x\"}"));
    EXPECT(a, "io.jwt.decode_verify", no, 2,
           token(a, "{\"alg\":\"HS256\",\"crit\":[\"x\"],\"x\":1}", "{}", "AA"),
           tu_json(a, "{\"secret\":\"x\"}"));
    /* Constraint errors. */
    EXPECT_ERR(a, "io.jwt.decode_verify", "io.jwt.decode_verify: no key constraint", 2, hs,
               tu_json(a, "{}"));
    EXPECT_ERR(a, "io.jwt.decode_verify", "io.jwt.decode_verify: duplicate key constraints", 2, hs,
               tu_json(a, "{\"secret\":\"x\",\"cert\":\"{\\\"keys\\\":[]}\"}"));
    EXPECT_ERR(a, "io.jwt.decode_verify",
               "io.jwt.decode_verify: unknown token validation constraint: foo", 2, hs,
               tu_json(a, "{\"foo\":1}"));
    EXPECT_ERR(a, "io.jwt.decode_verify",
               "io.jwt.decode_verify: secret constraint: must be a string", 2, hs,
               tu_json(a, "{\"secret\":1}"));
    EXPECT_ERR(a, "io.jwt.decode_verify",
               "io.jwt.decode_verify: token time constraint: must not be negative", 2, hs,
               tu_json(a, "{\"secret\":\"x\",\"time\":-1}"));
    EXPECT_ERR(a, "io.jwt.decode_verify",
               "io.jwt.decode_verify: operand 2 must be object but got array", 2, hs,
               tu_json(a, "[]"));
    /* Claims of the wrong type. */
    kv_value t;
    char *tok = NULL;
    kv_value raw[3] = {S("{\"alg\":\"HS256\"}"), S("{\"exp\":\"soon\"}"), S(OCT_JWK)};
    assert_int_equal(bt_call_values(a, "io.jwt.encode_sign_raw", raw, 3, &tok), RG_OK);
    t = kv_str_ref(ks_arena_strndup(a, tok + 1, strlen(tok) - 2), strlen(tok) - 2);
    ks_xfree(tok);
    EXPECT_ERR(a, "io.jwt.decode_verify", "io.jwt.decode_verify: exp value must be a number", 2, t,
               tu_json(a, "{\"secret\":\"kso-secret\"}"));
}

static void test_encode_sign(void **state)
{
    ks_arena *a = *state;
    char want[2048];
    kv_value claims = tu_json(a, "{\"iss\":\"kso\",\"sub\":\"bob\",\"aud\":\"api\","
                                 "\"exp\":1900000000,\"nbf\":1600000000}");
    /* Deterministic signatures are OPA's, byte for byte. */
    snprintf(want, sizeof(want), "\"%s\"", TOK_HS256);
    EXPECT(a, "io.jwt.encode_sign", want, 3, tu_json(a, "{\"typ\":\"JWT\",\"alg\":\"HS256\"}"),
           claims, tu_json(a, OCT_JWK));
    snprintf(want, sizeof(want), "\"%s\"", TOK_RS256);
    EXPECT(a, "io.jwt.encode_sign", want, 3, tu_json(a, "{\"alg\":\"RS256\",\"kid\":\"r1\"}"),
           claims, tu_json(a, RSA_JWK));
    snprintf(want, sizeof(want), "\"%s\"", TOK_EDDSA);
    EXPECT(a, "io.jwt.encode_sign", want, 3, tu_json(a, "{\"alg\":\"EdDSA\"}"), claims,
           tu_json(a, ED_JWK));
    /* Randomized ones verify. */
    static const char *const rnd[][3] = {{"PS384", "io.jwt.verify_ps384", RSA_PUB},
                                         {"ES256", "io.jwt.verify_es256", EC_PUB}};
    for (size_t i = 0; i < 2; i++) {
        char hdr[64], *tok = NULL;
        snprintf(hdr, sizeof(hdr), "{\"alg\":\"%s\"}", rnd[i][0]);
        kv_value raw[3] = {S(hdr), S("{}"), S(i ? EC_JWK : RSA_JWK)};
        assert_int_equal(bt_call_values(a, "io.jwt.encode_sign_raw", raw, 3, &tok), RG_OK);
        kv_value t = kv_str_ref(ks_arena_strndup(a, tok + 1, strlen(tok) - 2), strlen(tok) - 2);
        ks_xfree(tok);
        EXPECT(a, rnd[i][1], "true", 2, t, S(rnd[i][2]));
    }
    /* Raw: the texts are signed as given; only typ JWT (or none) needs JSON. */
    EXPECT(a, "io.jwt.encode_sign_raw",
           "\"eyJhbGciOiJIUzI1NiIsInR5cCI6InRleHQifQ.aGk.Pk_eC8r6pmv-Mir4__i0l5IiniG_kKeAj_"
           "DAhktIlT8\"",
           3, S("{\"alg\":\"HS256\",\"typ\":\"text\"}"), S("hi"), S(OCT_JWK));
    EXPECT_ERR(a, "io.jwt.encode_sign_raw",
               "io.jwt.encode_sign_raw: type is JWT but payload is not JSON", 3,
               S("{\"alg\":\"HS256\"}"), S("hi"), S(OCT_JWK));
    EXPECT_ERR(a, "io.jwt.encode_sign_raw", "io.jwt.encode_sign_raw: unknown JWS algorithm: none",
               3, S("{\"alg\":\"none\"}"), S("{}"), S(OCT_JWK));
    EXPECT_ERR(a, "io.jwt.encode_sign_raw",
               "io.jwt.encode_sign_raw: missing or invalid 'alg' header: jwsbb: header \"alg\" "
               "not found",
               3, S("{}"), S("{}"), S(OCT_JWK));
    EXPECT_ERR(a, "io.jwt.encode_sign_raw",
               "io.jwt.encode_sign_raw: missing or invalid 'alg' header: cannot parse JSON: "
               "cannot parse empty string; unparsed tail: \"\"",
               3, S(""), S("{}"), S(OCT_JWK));
    EXPECT_ERR(a, "io.jwt.encode_sign_raw",
               "io.jwt.encode_sign_raw: missing or invalid 'alg' header: cannot parse JSON: "
               "cannot parse object: missing ':' after object key; unparsed tail: "
               "\"JWT\\\",\\\"alg\\\":\\\"HS256\\\"}\"",
               3, S("{\"typ:\"JWT\",\"alg\":\"HS256\"}"), S("{}"), S(OCT_JWK));
    EXPECT_ERR(a, "io.jwt.encode_sign_raw",
               "io.jwt.encode_sign_raw: missing or invalid 'alg' header: value doesn't contain "
               "string; it contains number",
               3, S("{\"alg\":5}"), S("{}"), S(OCT_JWK));
    EXPECT_ERR(a, "io.jwt.encode_sign_raw", "io.jwt.encode_sign_raw: no keys found in JWK set", 3,
               S("{\"alg\":\"HS256\"}"), S("{}"), S("{\"keys\":[]}"));
    EXPECT_ERR(a, "io.jwt.encode_sign_raw",
               "io.jwt.encode_sign_raw: jwsbb.Sign: invalid key type *jwk.rsaPublicKey. "
               "*rsa.PrivateKey is required: failed to produce rsa.PrivateKey from "
               "*jwk.rsaPublicKey: jwk.Export: no suitable exporter found for key type "
               "'*jwk.rsaPublicKey'",
               3, S("{\"alg\":\"RS256\"}"), S("{}"), S(RSA_JWK_PUB));
    EXPECT_ERR(a, "io.jwt.encode_sign_raw",
               "io.jwt.encode_sign_raw: operand 3 must be string but got object", 3, S("{}"),
               S("{}"), tu_json(a, "{}"));
}

/* The JWK of a key must be the JWK the test keys were made from. */
static void expect_jwk(ks_arena *a, const char *pem, const char *jwk)
{
    kv_value want_v = tu_json(a, jwk);
    char *want = tu_to_json(&want_v, 0);
    EXPECT(a, "crypto.x509.parse_rsa_private_key", want, 1, S(pem));
    ks_buf b = KS_BUF_INIT;
    ks_base64_encode(&b, pem, strlen(pem), KS_B64_STD);
    EXPECT(a, "crypto.x509.parse_rsa_private_key", want, 1, S(ks_buf_cstr(&b)));
    ks_buf_free(&b);
    ks_xfree(want);
}

static void test_parse_private_key(void **state)
{
    ks_arena *a = *state;
    expect_jwk(a, RSA_PKCS1_PEM, RSA_JWK);
    expect_jwk(a, EC_PKCS8_PEM, EC_JWK);
    EXPECT(a, "crypto.x509.parse_rsa_private_key", "null", 1, S(RSA_CRT));
    EXPECT_ERR(a, "crypto.x509.parse_rsa_private_key",
               "crypto.x509.parse_rsa_private_key: input PEM data was empty", 1, S(""));
    EXPECT_ERR(a, "crypto.x509.parse_rsa_private_key",
               "crypto.x509.parse_rsa_private_key: illegal base64 data at input byte 4", 1,
               S("invalid"));
    EXPECT_ERR(a, "crypto.x509.parse_rsa_private_key",
               "crypto.x509.parse_rsa_private_key: illegal base64 data at input byte 4", 1,
               S("abc=d"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_decode),
            cmocka_unit_test(test_verify_hs),
            cmocka_unit_test(test_verify_asymmetric),
            cmocka_unit_test(test_verify_key_errors),
            cmocka_unit_test(test_decode_verify),
            cmocka_unit_test(test_encode_sign),
            cmocka_unit_test(test_parse_private_key),
    };
    bt_now_ns = NOW;
    return cmocka_run_group_tests(tests, tu_arena_setup, tu_arena_teardown);
}
