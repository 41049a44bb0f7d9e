/// The API, described by hand (OpenAPI 3.1) and served at /openapi.yaml. Kept in the source as a string so the
/// binary can never be shipped without it; a test checks that every route here is one the router answers.
enum OpenAPIDocument {
    static let yaml = #"""
        openapi: 3.1.0
        info:
          title: EDS Vault verification service
          version: 1.0.0
          summary: Verifies CMS (CAdES) electronic signatures under Kazakhstan's Law 370-II and serves authenticity proofs.
          description: |
            Signatures are judged at their signing moment (the RFC 3161 timestamp's genTime when there is one) against the
            trust anchors the service was started with, from the evidence the signature carries and the CRLs the operator
            configured. Results use ETSI EN 319 102-1 indications. The JSON report is the one `edsvault verify --format json`
            prints, byte for byte.
          license:
            name: Proprietary
        servers:
          - url: http://127.0.0.1:8080
        paths:
          /health:
            get:
              summary: Readiness
              operationId: health
              responses:
                '200':
                  description: The service is ready.
                  content:
                    application/json:
                      schema:
                        type: object
                        required: [status]
                        properties:
                          status: {type: string, const: ok}
          /api/v1/verify:
            post:
              summary: Verify a signature
              operationId: verify
              description: |
                Validates every signer of the CMS signature. For a detached signature send the document too; without it the
                integrity check cannot pass and the result is INDETERMINATE. The body is read as it streams in: a request whose
                Content-Length, or whose bytes so far, exceed the limit (default 100 MiB) is answered 413 at once and the
                connection is closed. The document part is spooled to disk; the signature part is held in memory and has its
                own, lower limit (default 16 MiB, `serve --max-signature-mib`): the first byte beyond it is answered 413 and
                the connection closed, so a huge signature part never accumulates. An attached signature larger than that
                limit is sent detached (the signature, and the document as the document part).
              requestBody:
                required: true
                content:
                  multipart/form-data:
                    schema:
                      type: object
                      required: [signature]
                      properties:
                        signature:
                          description: CMS/PKCS#7 SignedData as DER, PEM or bare base64; at most 16 MiB (the signature limit).
                          type: string
                          maxLength: 16777216
                          contentMediaType: application/pkcs7-signature
                        document:
                          description: The signed document, for a detached signature.
                          type: string
                          contentMediaType: application/octet-stream
              responses:
                '200':
                  description: The validation report (whatever the indication).
                  content:
                    application/json:
                      schema: {$ref: '#/components/schemas/ValidationReport'}
                '400': {$ref: '#/components/responses/Error'}
                '413': {$ref: '#/components/responses/Error'}
                '415': {$ref: '#/components/responses/Error'}
                '503': {$ref: '#/components/responses/Error'}
          /:
            get:
              summary: Upload page for people
              operationId: uploadPage
              parameters:
                - {$ref: '#/components/parameters/lang'}
              responses:
                '200':
                  description: HTML form (Kazakh, Russian or English from ?lang= or Accept-Language).
                  content:
                    text/html: {schema: {type: string}}
          /verify:
            post:
              summary: Upload page's form target
              operationId: verifyPage
              description: The same input as /api/v1/verify (plus signatureText, a pasted signature); answers with the proof card as HTML.
              parameters:
                - {$ref: '#/components/parameters/lang'}
              requestBody:
                required: true
                content:
                  multipart/form-data:
                    schema:
                      type: object
                      properties:
                        signature: {type: string, contentMediaType: application/pkcs7-signature, maxLength: 16777216}
                        signatureText: {type: string, description: 'The signature as base64 or PEM text; at most 16 MiB (the signature limit).', maxLength: 16777216}
                        document: {type: string, contentMediaType: application/octet-stream}
              responses:
                '200':
                  description: The proof card.
                  content:
                    text/html: {schema: {type: string}}
                '400': {description: 'Unreadable input, explained on an HTML page.', content: {text/html: {schema: {type: string}}}}
                '413': {description: 'Over the size limit, or a signature part over the signature limit.', content: {text/html: {schema: {type: string}}}}
                '415': {description: 'Not multipart/form-data.', content: {text/html: {schema: {type: string}}}}
          /proofs/{token}:
            get:
              summary: A vault document's authenticity proof
              operationId: proof
              description: |
                Reachable only through the unguessable token `edsvault vault link DOC` prints (at least 128 bits); a document
                hash opens nothing. HTML with a QR code of the page's own address and a one-page print stylesheet, or the JSON
                report with Accept application/json (or ?format=json), or the document card PDF (the document and each
                signature embedded, a page per signature) with Accept application/pdf (or ?format=pdf) — the card only for a
                link made to hand the document over (`vault link --with-document`); a proof-only link (the default) never
                gives out the document's bytes, and its PDF is 404. Links expire (default 90 days) and can be revoked: an
                expired or revoked token is 404 like an unknown one. Renders beyond the service's cache are rate-limited (429).
              parameters:
                - name: token
                  in: path
                  required: true
                  schema: {type: string, pattern: '^[A-Za-z0-9_-]{16,256}$'}
                - name: format
                  in: query
                  required: false
                  schema: {type: string, enum: [html, json, pdf]}
                - {$ref: '#/components/parameters/lang'}
              responses:
                '200':
                  description: The proof.
                  content:
                    text/html: {schema: {type: string}}
                    application/json:
                      schema: {$ref: '#/components/schemas/ValidationReport'}
                    application/pdf: {schema: {type: string, format: binary}}
                '404':
                  description: No proof has this token (unknown, expired or revoked), or a PDF was asked of a proof-only link.
                  content:
                    text/html: {schema: {type: string}}
                    application/json:
                      schema: {$ref: '#/components/schemas/Error'}
                '429':
                  description: Too many proofs drawn for anonymous visitors; try again after Retry-After seconds.
                  headers:
                    Retry-After: {schema: {type: integer}}
            post:
              summary: Check a document against the proof
              operationId: compareWithProof
              description: |
                A verifier who holds the document uploads it: the answer says whether its SHA-256 is the signed document's.
                The file is spooled like an upload (the same size limit), hashed and deleted. HTML (the proof page with the
                outcome) or JSON with Accept application/json.
              parameters:
                - name: token
                  in: path
                  required: true
                  schema: {type: string, pattern: '^[A-Za-z0-9_-]{16,256}$'}
                - {$ref: '#/components/parameters/lang'}
              requestBody:
                required: true
                content:
                  multipart/form-data:
                    schema:
                      type: object
                      required: [document]
                      properties:
                        document: {type: string, format: binary}
              responses:
                '200':
                  description: Whether the file is the signed document.
                  content:
                    text/html: {schema: {type: string}}
                    application/json:
                      schema:
                        type: object
                        required: [matches, sha256, documentSHA256]
                        properties:
                          matches: {type: boolean}
                          sha256: {type: string, description: SHA-256 (hex) of the uploaded file}
                          documentSHA256: {type: string, description: SHA-256 (hex) of the signed document}
                '400':
                  description: No document part.
                  content:
                    application/json:
                      schema: {$ref: '#/components/schemas/Error'}
                '404':
                  description: No proof has this token (unknown, expired or revoked).
                '413':
                  description: The upload is over the size limit.
          /openapi.yaml:
            get:
              summary: This document
              operationId: openapi
              responses:
                '200':
                  description: OpenAPI 3.1
                  content:
                    application/yaml: {schema: {type: string}}
        \#(vaultPaths)\#(signingPaths)components:
          parameters:
            documentId:
              name: id
              in: path
              required: true
              description: The document's id, the SHA-256 of its bytes (hex).
              schema: {type: string, pattern: '^[0-9a-fA-F]{64}$'}
            sessionToken:
              name: token
              in: path
              required: true
              description: A signing session's token (`vault signing-session create`), 22 base64url characters.
              schema: {type: string, pattern: '^[A-Za-z0-9_-]{16,256}$'}
            lang:
              name: lang
              in: query
              required: false
              description: Page language; without it Accept-Language decides, then English.
              schema: {type: string, enum: [kk, ru, en]}
          responses:
            Error:
              description: The input was refused; the message says why.
              content:
                application/json:
                  schema: {$ref: '#/components/schemas/Error'}
            EGovRefusal:
              description: eGov Mobile's error shape, one line in {"message"}.
              content:
                application/json:
                  schema: {type: object, required: [message], properties: {message: {type: string}}}
        \#(vaultResponses)  schemas:
            Error:
              type: object
              required: [error]
              properties:
                error:
                  type: object
                  required: [message]
                  properties:
                    message: {type: string}
            Indication:
              type: string
              enum: [TOTAL_PASSED, TOTAL_FAILED, INDETERMINATE]
            SubIndication:
              description: ETSI EN 319 102-1 sub-indication, e.g. HASH_FAILURE, SIG_CRYPTO_FAILURE, NO_CERTIFICATE_CHAIN_FOUND, REVOKED, TRY_LATER.
              type: [string, 'null']
            ValidationReport:
              type: object
              required: [indication, subIndication, validationTime, document, signatures]
              properties:
                indication: {$ref: '#/components/schemas/Indication'}
                subIndication: {$ref: '#/components/schemas/SubIndication'}
                validationTime: {type: string, format: date-time}
                document:
                  oneOf:
                    - type: 'null'
                    - type: object
                      required: [sha256, size]
                      properties:
                        sha256: {type: string, pattern: '^[0-9a-f]{64}$'}
                        size: {type: integer, minimum: 0}
                signatures:
                  type: array
                  items: {$ref: '#/components/schemas/SignatureReport'}
            SignatureReport:
              type: object
              required: [indication, subIndication, signer, certificate, signingTime, timestamp, revocation, digestAlgorithm, signatureAlgorithm, checks, errors, warnings]
              properties:
                indication: {$ref: '#/components/schemas/Indication'}
                subIndication: {$ref: '#/components/schemas/SubIndication'}
                signer:
                  oneOf:
                    - type: 'null'
                    - type: object
                      properties:
                        commonName: {type: [string, 'null']}
                        surname: {type: [string, 'null']}
                        givenName: {type: [string, 'null']}
                        iin: {type: [string, 'null']}
                        bin: {type: [string, 'null']}
                        organization: {type: [string, 'null']}
                        email: {type: [string, 'null']}
                        roles:
                          type: array
                          items: {type: string, enum: [individual, legalEntity, firstHead, rightToSign, financialSignature, hr, employee]}
                certificate:
                  oneOf:
                    - type: 'null'
                    - type: object
                      properties:
                        serialNumber: {type: string}
                        subject: {type: string}
                        issuer: {type: string}
                        notBefore: {type: string, format: date-time}
                        notAfter: {type: string, format: date-time}
                        sha256: {type: string}
                        keyUsage: {type: array, items: {type: string}}
                        extendedKeyUsage: {type: array, items: {type: string}}
                        policies: {type: array, items: {type: string}}
                        holder: {type: string, enum: [individual, legalEntity]}
                signingTime: {type: [string, 'null'], format: date-time, description: "The signer's claim; never trusted for validity."}
                timestamp:
                  oneOf:
                    - type: 'null'
                    - type: object
                      properties:
                        genTime: {type: string, format: date-time}
                        tsa: {type: string}
                        serialNumber: {type: string}
                revocation:
                  oneOf:
                    - type: 'null'
                    - type: object
                      properties:
                        status: {type: string, enum: [good, revoked, unknown]}
                        source: {type: string, enum: [ocsp, crl]}
                        producedAt: {type: string, format: date-time}
                        thisUpdate: {type: string, format: date-time}
                        revocationTime: {type: string, format: date-time}
                        revocationReason: {type: string}
                digestAlgorithm: {type: string}
                signatureAlgorithm: {type: string}
                checks:
                  type: array
                  items:
                    type: object
                    required: [name, passed, detail]
                    properties:
                      name: {type: string}
                      passed: {type: boolean}
                      detail: {type: string}
                errors: {type: array, items: {type: string}}
                warnings: {type: array, items: {type: string}}

        \#(signingComponents)\#(vaultComponents)
        """#
}
