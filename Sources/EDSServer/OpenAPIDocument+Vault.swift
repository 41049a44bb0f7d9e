/// The vault API's part of /openapi.yaml (Docs/vault-api.md): its paths, spliced into `paths`, and its schemas and
/// security scheme, appended to `components`. Written at the document's own indentation.
extension OpenAPIDocument {
    static let vaultPaths = #"""
  /api/v1/vault/auth/challenge:
    post:
      summary: A one-time sign-in nonce
      operationId: vaultSignInChallenge
      tags: [vault]
      responses:
        '201':
          description: Sign its UTF-8 bytes with the AUTH key (CMS, attached or detached) within two minutes.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/VaultChallenge'}
  /api/v1/vault/auth/session:
    post:
      summary: Sign in with an NCA AUTH certificate
      operationId: vaultSignIn
      tags: [vault]
      requestBody:
        required: true
        content:
          application/pkcs7-signature:
            schema: {type: string, contentMediaType: application/pkcs7-signature}
          application/json:
            schema:
              type: object
              required: [signature]
              properties:
                signature: {type: string, description: The CMS in base64 (DER).}
                nonce: {type: string, description: The nonce a detached CMS covers.}
      responses:
        '201':
          description: A session token bound to the certificate's IIN, BIN and roles.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/VaultSession'}
        '400': {$ref: '#/components/responses/Error'}
        '401': {$ref: '#/components/responses/Error'}
        '413': {$ref: '#/components/responses/Error'}
        '415': {$ref: '#/components/responses/Error'}
    get:
      summary: Who the credential proves
      operationId: vaultWhoAmI
      tags: [vault]
      security: [{bearer: []}]
      responses:
        '200':
          description: The principal.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/VaultSession'}
        '401': {$ref: '#/components/responses/Error'}
  /api/v1/vault/auth/logout:
    post:
      summary: End a session (on every node)
      operationId: vaultSignOut
      tags: [vault]
      security: [{bearer: []}]
      responses:
        '204': {description: The token is refused from now on.}
        '400': {$ref: '#/components/responses/Error'}
        '401': {$ref: '#/components/responses/Error'}
  /api/v1/vault/documents:
    post:
      summary: Store a document
      operationId: vaultPut
      tags: [vault]
      security: [{bearer: []}]
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema:
              type: object
              required: [metadata, document]
              properties:
                metadata: {$ref: '#/components/schemas/VaultMetadataInput'}
                document: {type: string, contentMediaType: application/octet-stream}
            encoding:
              metadata: {contentType: application/json}
      responses:
        '201': {$ref: '#/components/responses/VaultDocument'}
        '200': {$ref: '#/components/responses/VaultDocument'}
        '400': {$ref: '#/components/responses/Error'}
        '401': {$ref: '#/components/responses/Error'}
        '403': {$ref: '#/components/responses/Refusal'}
        '409': {$ref: '#/components/responses/Error'}
        '413': {$ref: '#/components/responses/Error'}
        '415': {$ref: '#/components/responses/Error'}
        '500': {$ref: '#/components/responses/Failure'}
    get:
      summary: List documents (the employer's, or a person's own)
      operationId: vaultList
      tags: [vault]
      security: [{bearer: []}]
      parameters:
        - {name: type, in: query, schema: {type: string}}
        - {name: status, in: query, schema: {type: string, enum: [awaiting-signatures, fully-signed]}}
        - {name: from, in: query, schema: {type: string}}
        - {name: to, in: query, schema: {type: string}}
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 1000}}
        - {name: cursor, in: query, schema: {type: string}}
        - {name: employerBIN, in: query, schema: {type: string}}
      responses:
        '200':
          description: One page; nextCursor until the last.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/VaultDocumentPage'}
        '400': {$ref: '#/components/responses/Error'}
        '401': {$ref: '#/components/responses/Error'}
        '403': {$ref: '#/components/responses/Refusal'}
  /api/v1/vault/documents/search:
    post:
      summary: List documents, an owner's IIN in the body (never in a URL)
      operationId: vaultSearch
      tags: [vault]
      security: [{bearer: []}]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                ownerIIN: {type: string}
                employerBIN: {type: string}
                type: {type: string}
                status: {type: string}
                from: {type: string, format: date-time}
                to: {type: string, format: date-time}
                limit: {type: integer}
                cursor: {type: string}
      responses:
        '200':
          description: One page.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/VaultDocumentPage'}
        '400': {$ref: '#/components/responses/Error'}
        '401': {$ref: '#/components/responses/Error'}
        '403': {$ref: '#/components/responses/Refusal'}
  /api/v1/vault/documents/{id}:
    get:
      summary: A document's metadata
      operationId: vaultMetadata
      tags: [vault]
      security: [{bearer: []}]
      parameters: [{$ref: '#/components/parameters/documentId'}]
      responses:
        '200': {$ref: '#/components/responses/VaultDocument'}
        '400': {$ref: '#/components/responses/Error'}
        '401': {$ref: '#/components/responses/Error'}
        '403': {$ref: '#/components/responses/Refusal'}
  /api/v1/vault/documents/{id}/status:
    get:
      summary: Signing status
      operationId: vaultStatus
      tags: [vault]
      security: [{bearer: []}]
      parameters: [{$ref: '#/components/parameters/documentId'}]
      responses:
        '200':
          description: Status and the required signers still missing.
          content:
            application/json:
              schema:
                type: object
                required: [id, status, signatureCount, missingSigners]
                properties:
                  id: {type: string}
                  status: {type: string}
                  signatureCount: {type: integer}
                  missingSigners: {type: array, items: {type: string}}
        '401': {$ref: '#/components/responses/Error'}
        '403': {$ref: '#/components/responses/Refusal'}
  /api/v1/vault/documents/{id}/content:
    get:
      summary: The document's bytes (streamed; one Range honoured)
      operationId: vaultContent
      tags: [vault]
      security: [{bearer: []}]
      parameters:
        - {$ref: '#/components/parameters/documentId'}
        - {name: Range, in: header, schema: {type: string}}
      responses:
        '200':
          description: The bytes.
          content:
            application/octet-stream: {schema: {type: string, contentMediaType: application/octet-stream}}
        '206':
          description: The range asked for.
          content:
            application/octet-stream: {schema: {type: string, contentMediaType: application/octet-stream}}
        '401': {$ref: '#/components/responses/Error'}
        '403': {$ref: '#/components/responses/Refusal'}
        '416': {$ref: '#/components/responses/Error'}
  /api/v1/vault/documents/{id}/signatures:
    get:
      summary: The kept signatures and their signers
      operationId: vaultSignatures
      tags: [vault]
      security: [{bearer: []}]
      parameters: [{$ref: '#/components/parameters/documentId'}]
      responses:
        '200':
          description: Signatures, oldest first.
          content:
            application/json:
              schema: {type: array, items: {type: object}}
        '401': {$ref: '#/components/responses/Error'}
        '403': {$ref: '#/components/responses/Refusal'}
    post:
      summary: Attach a signature made elsewhere
      operationId: vaultAttach
      tags: [vault]
      security: [{bearer: []}]
      parameters:
        - {$ref: '#/components/parameters/documentId'}
        - {name: Idempotency-Key, in: header, schema: {type: string, maxLength: 255}}
      requestBody:
        required: true
        content:
          application/pkcs7-signature:
            schema: {type: string, contentMediaType: application/pkcs7-signature}
          multipart/form-data:
            schema:
              type: object
              required: [signature]
              properties:
                signature: {type: string, contentMediaType: application/pkcs7-signature}
      responses:
        '201': {$ref: '#/components/responses/VaultAttach'}
        '200': {$ref: '#/components/responses/VaultAttach'}
        '400': {$ref: '#/components/responses/Error'}
        '401': {$ref: '#/components/responses/Error'}
        '403': {$ref: '#/components/responses/Refusal'}
        '413': {$ref: '#/components/responses/Error'}
        '415': {$ref: '#/components/responses/Error'}
        '422': {$ref: '#/components/responses/Error'}
  /api/v1/vault/documents/{id}/proof:
    get:
      summary: The ASiC-S proof bundle
      operationId: vaultProof
      tags: [vault]
      security: [{bearer: []}]
      parameters: [{$ref: '#/components/parameters/documentId'}]
      responses:
        '200':
          description: mimetype, the document, META-INF/signature.p7s; `edsvault verify --bundle` checks it offline.
          content:
            application/vnd.etsi.asic-s+zip: {schema: {type: string, contentMediaType: application/vnd.etsi.asic-s+zip}}
        '401': {$ref: '#/components/responses/Error'}
        '403': {$ref: '#/components/responses/Refusal'}
        '404': {$ref: '#/components/responses/Error'}
  /api/v1/vault/documents/{id}/card:
    get:
      summary: The document card (PDF)
      operationId: vaultCard
      tags: [vault]
      security: [{bearer: []}]
      parameters: [{$ref: '#/components/parameters/documentId'}]
      responses:
        '200':
          description: The card, embedding the document and each CMS.
          content:
            application/pdf: {schema: {type: string, contentMediaType: application/pdf}}
        '401': {$ref: '#/components/responses/Error'}
        '403': {$ref: '#/components/responses/Refusal'}
  /api/v1/vault/documents/{id}/audit:
    get:
      summary: The audit entries about one document
      operationId: vaultDocumentAudit
      tags: [vault]
      security: [{bearer: []}]
      parameters: [{$ref: '#/components/parameters/documentId'}]
      responses:
        '200': {$ref: '#/components/responses/VaultAudit'}
        '401': {$ref: '#/components/responses/Error'}
        '403': {$ref: '#/components/responses/Refusal'}
  /api/v1/vault/documents/{id}/links:
    post:
      summary: Make a proof link
      operationId: vaultLink
      tags: [vault]
      security: [{bearer: []}]
      parameters: [{$ref: '#/components/parameters/documentId'}]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                expiresAt: {type: string, format: date-time}
                withDocument: {type: boolean}
      responses:
        '201':
          description: The token, shown once.
          content:
            application/json:
              schema:
                type: object
                required: [token, path, linkId, withDocument]
                properties:
                  token: {type: string}
                  path: {type: string}
                  linkId: {type: string}
                  expiresAt: {type: string, format: date-time}
                  withDocument: {type: boolean}
        '400': {$ref: '#/components/responses/Error'}
        '401': {$ref: '#/components/responses/Error'}
        '403': {$ref: '#/components/responses/Refusal'}
  /api/v1/vault/links/{linkId}:
    delete:
      summary: Revoke a proof link
      operationId: vaultRevokeLink
      tags: [vault]
      security: [{bearer: []}]
      parameters:
        - {name: linkId, in: path, required: true, schema: {type: string, pattern: '^[0-9a-fA-F]{8,64}$'}}
      responses:
        '200':
          description: The revoked link.
          content:
            application/json:
              schema: {type: object}
        '400': {$ref: '#/components/responses/Error'}
        '401': {$ref: '#/components/responses/Error'}
        '403': {$ref: '#/components/responses/Refusal'}
        '404': {$ref: '#/components/responses/Error'}
  /api/v1/vault/erasures:
    post:
      summary: Erase a subject's personal data (Law 94-V), with the reason
      operationId: vaultErase
      tags: [vault]
      security: [{bearer: []}]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [ownerIIN, reason]
              properties:
                ownerIIN: {type: string}
                reason: {type: string, maxLength: 500}
      responses:
        '200':
          description: What was destroyed; tombstones remain.
          content:
            application/json:
              schema:
                type: object
                required: [documents, signatures, tombstones]
                properties:
                  documents: {type: integer}
                  signatures: {type: integer}
                  tombstones: {type: array, items: {type: object}}
                  sharedDocuments: {type: array, items: {type: string}}
        '400': {$ref: '#/components/responses/Error'}
        '401': {$ref: '#/components/responses/Error'}
        '403': {$ref: '#/components/responses/Refusal'}
  /api/v1/vault/audit/subject:
    post:
      summary: The audit entries about one subject (by pseudonym)
      operationId: vaultSubjectAudit
      tags: [vault]
      security: [{bearer: []}]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [ownerIIN]
              properties:
                ownerIIN: {type: string}
      responses:
        '200': {$ref: '#/components/responses/VaultAudit'}
        '400': {$ref: '#/components/responses/Error'}
        '401': {$ref: '#/components/responses/Error'}
        '403': {$ref: '#/components/responses/Refusal'}

"""#

    static let vaultComponents = #"""
    VaultMetadataInput:
      type: object
      required: [ownerIINs, employerBIN, type, title]
      properties:
        ownerIINs: {type: array, items: {type: string, pattern: '^[0-9]{12}$'}, minItems: 1}
        employerBIN: {type: string, pattern: '^[0-9]{12}$'}
        type: {type: string, enum: [employment-contract, supplementary-agreement, order-hiring, order-transfer, order-leave, order-dismissal, payroll-sheet, personal-data-consent, other]}
        title: {type: string}
        requiredSigners: {type: array, items: {type: string}, description: 'owner, iin:IIN, or a role of the employer: first-head, hr, right-to-sign, financial, employee.'}
        fileName: {type: string}
    VaultDocument:
      type: object
      required: [id, ownerIINs, employerBIN, type, title, fileName, requiredSigners, size, storedAt, status, signatureCount]
      properties:
        id: {type: string, pattern: '^[0-9a-f]{64}$'}
        ownerIINs: {type: array, items: {type: string}}
        employerBIN: {type: string}
        type: {type: string}
        title: {type: string}
        fileName: {type: string}
        requiredSigners: {type: array, items: {type: string}}
        missingSigners: {type: array, items: {type: string}}
        size: {type: integer}
        storedAt: {type: string, format: date-time}
        status: {type: string, enum: [awaiting-signatures, fully-signed]}
        signatureCount: {type: integer}
    VaultDocumentPage:
      type: object
      required: [documents]
      properties:
        documents: {type: array, items: {$ref: '#/components/schemas/VaultDocument'}}
        nextCursor: {type: string}
    VaultChallenge:
      type: object
      required: [nonce, expiresAt]
      properties:
        nonce: {type: string}
        expiresAt: {type: string, format: date-time}
    VaultSession:
      type: object
      required: [credential, roles]
      properties:
        token: {type: string}
        tokenType: {type: string, const: Bearer}
        expiresAt: {type: string, format: date-time}
        credential: {type: string}
        iin: {type: string}
        employerBIN: {type: string}
        roles: {type: array, items: {type: string}}
    VaultAuditEntry:
      type: object
      required: [sequence, at, actor, action, object, outcome, detail, hash]
      properties:
        sequence: {type: integer}
        at: {type: string, format: date-time}
        actor: {type: string}
        action: {type: string}
        object: {type: string}
        outcome: {type: string}
        detail: {type: string}
        hash: {type: string}
    VaultError:
      type: object
      required: [error]
      properties:
        error:
          type: object
          required: [message]
          properties:
            message: {type: string}
            rule: {type: string, description: 'The rule that refused (403).'}
            correlationId: {type: string, description: 'The id of the log line that says why (500).'}
            indication: {type: string}
            subIndication: {type: string}
  securitySchemes:
    bearer:
      type: http
      scheme: bearer
      description: An API key (`edsvault vault api-key create`) or a session token (`POST /api/v1/vault/auth/session`).

"""#

    static let vaultResponses = #"""
    Refusal:
      description: Refused by a rule (named in error.rule); audited.
      content:
        application/json:
          schema: {$ref: '#/components/schemas/VaultError'}
    Failure:
      description: The vault failed; error.correlationId names the log line with the cause.
      content:
        application/json:
          schema: {$ref: '#/components/schemas/VaultError'}
    VaultDocument:
      description: The document (201 stored now, 200 already stored).
      content:
        application/json:
          schema: {$ref: '#/components/schemas/VaultDocument'}
    VaultAttach:
      description: The signature kept (201 new, 200 already kept or an idempotent retry).
      content:
        application/json:
          schema:
            type: object
            required: [documentId, signatureId, status, signatureCount, missingSigners]
            properties:
              documentId: {type: string}
              signatureId: {type: string}
              status: {type: string}
              signatureCount: {type: integer}
              missingSigners: {type: array, items: {type: string}}
              awaitingEvidence: {type: string}
    VaultAudit:
      description: Chained audit entries.
      content:
        application/json:
          schema: {type: array, items: {$ref: '#/components/schemas/VaultAuditEntry'}}

"""#
}
