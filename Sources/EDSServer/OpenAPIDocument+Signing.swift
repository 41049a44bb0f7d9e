/// The signing sessions' part of /openapi.yaml (issue 22, Docs/signing-flows.md): spliced into `paths` after the vault
/// API's. Written at the document's own indentation.
extension OpenAPIDocument {
    static let signingPaths = #"""
  /api/v1/vault/documents/{id}/signing-sessions:
    post:
      summary: Open a signing session for one expected signer
      description: |
        An HR key (or a person signed in with the HR role of the document's employer) opens a session for anyone; a
        person signed in opens one only for themselves on their own document. The token is shown once.
      operationId: vaultSigningSession
      tags: [vault, signing]
      security: [{bearer: []}]
      parameters: [{$ref: '#/components/parameters/documentId'}]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [signer]
              properties:
                signer: {type: string, description: 'iin:IIN, or role:first-head|hr|right-to-sign|financial|employee'}
                expiresAt: {type: string, format: date-time, description: 'Default one hour from now, at most seven days.'}
      responses:
        '201':
          description: The session page's address, with its token.
          content:
            application/json:
              schema:
                type: object
                required: [sessionId, token, path, url, signer, state, expiresAt]
                properties:
                  sessionId: {type: string}
                  token: {type: string}
                  path: {type: string}
                  url: {type: string}
                  signer: {type: string}
                  state: {type: string, enum: [waiting]}
                  expiresAt: {type: string, format: date-time}
        '400': {$ref: '#/components/responses/Error'}
        '401': {$ref: '#/components/responses/Error'}
        '403': {$ref: '#/components/responses/Refusal'}
        '404': {$ref: '#/components/responses/Error'}
  /sign/{token}:
    get:
      summary: The signing session page (kk/ru/en)
      description: The document, the expected signer, the eGov Mobile QR code and the NCALayer button; its state updates without reload.
      operationId: signingPage
      tags: [signing]
      parameters: [{$ref: '#/components/parameters/sessionToken'}, {$ref: '#/components/parameters/lang'}]
      responses:
        '200': {description: The page., content: {text/html: {schema: {type: string}}}}
        '404': {description: No such session., content: {text/html: {schema: {type: string}}}}
  /sign/{token}/status:
    get:
      summary: The session's state, for the page's polling
      operationId: signingStatus
      tags: [signing]
      parameters: [{$ref: '#/components/parameters/sessionToken'}]
      responses:
        '200':
          description: The state.
          content:
            application/json:
              schema:
                type: object
                required: [state, expiresAt]
                properties:
                  state: {type: string, enum: [waiting, signed, refused, expired, cancelled]}
                  expiresAt: {type: string}
        '404': {$ref: '#/components/responses/Error'}
  /sign/{token}/document:
    get:
      summary: The document of a waiting session
      operationId: signingDocument
      tags: [signing]
      parameters: [{$ref: '#/components/parameters/sessionToken'}]
      responses:
        '200': {description: The document's bytes., content: {application/octet-stream: {schema: {type: string, format: binary}}}}
        '403': {$ref: '#/components/responses/Error'}
        '404': {$ref: '#/components/responses/Error'}
  /sign/{token}/signature:
    post:
      summary: The CMS NCALayer made (detached, over the document's bytes)
      operationId: signingSignature
      tags: [signing]
      parameters: [{$ref: '#/components/parameters/sessionToken'}]
      requestBody:
        required: true
        content:
          text/plain: {schema: {type: string, description: base64 CMS}}
          application/octet-stream: {schema: {type: string, format: binary}}
      responses:
        '200':
          description: Kept; the session is signed.
          content:
            application/json:
              schema: {type: object, required: [state], properties: {state: {type: string}}}
        '400': {$ref: '#/components/responses/Error'}
        '403': {$ref: '#/components/responses/Error'}
        '404': {$ref: '#/components/responses/Error'}
        '413': {$ref: '#/components/responses/Error'}
  /egov/api1/{token}:
    get:
      summary: eGov Mobile QR signing, API №1
      description: The QR code's text is `mobileSign:` and this URL. Each call hands out a fresh one-time API №2 token.
      operationId: egovApi1
      tags: [signing]
      parameters: [{$ref: '#/components/parameters/sessionToken'}]
      responses:
        '200':
          description: The session for the app.
          content:
            application/json:
              schema:
                type: object
                required: [description, expiry_date, organisation, document]
                properties:
                  description: {type: string}
                  expiry_date: {type: string}
                  organisation:
                    type: object
                    required: [nameRu, nameKz, nameEn, bin]
                    properties: {nameRu: {type: string}, nameKz: {type: string}, nameEn: {type: string}, bin: {type: string}}
                  document:
                    type: object
                    required: [uri, auth_type, auth_token]
                    properties: {uri: {type: string}, auth_type: {type: string, enum: [Token]}, auth_token: {type: string}}
        '403': {$ref: '#/components/responses/EGovRefusal'}
        '404': {$ref: '#/components/responses/EGovRefusal'}
  /egov/api2/{token}:
    get:
      summary: eGov Mobile QR signing, API №2 (the document)
      operationId: egovApi2Get
      tags: [signing]
      security: [{bearer: []}]
      parameters: [{$ref: '#/components/parameters/sessionToken'}]
      responses:
        '200':
          description: The document to sign, CMS_SIGN_ONLY.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/EGovDocuments'}
        '403': {$ref: '#/components/responses/EGovRefusal'}
        '404': {$ref: '#/components/responses/EGovRefusal'}
    put:
      summary: eGov Mobile QR signing, API №2 (the signed result)
      description: The same structure with `data` replaced by the base64 detached CMS. The API №2 token is spent.
      operationId: egovApi2Put
      tags: [signing]
      security: [{bearer: []}]
      parameters: [{$ref: '#/components/parameters/sessionToken'}]
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/EGovDocuments'}
      responses:
        '200': {description: Kept; the session is signed., content: {application/json: {schema: {type: object}}}}
        '400': {$ref: '#/components/responses/EGovRefusal'}
        '403': {$ref: '#/components/responses/EGovRefusal'}
        '404': {$ref: '#/components/responses/EGovRefusal'}
        '413': {$ref: '#/components/responses/EGovRefusal'}
  /static/ncalayer-signing.js:
    get:
      summary: The session page's own script
      operationId: ncalayerScript
      tags: [signing]
      responses:
        '200': {description: The script., content: {application/javascript: {schema: {type: string}}}}

"""#

    static let signingComponents = #"""
    EGovDocuments:
      type: object
      required: [signMethod, version, documentsToSign]
      properties:
        signMethod: {type: string, enum: [CMS_SIGN_ONLY]}
        version: {type: integer}
        documentsToSign:
          type: array
          items:
            type: object
            required: [id, nameRu, nameKz, nameEn, meta, document]
            properties:
              id: {type: integer}
              nameRu: {type: string}
              nameKz: {type: string}
              nameEn: {type: string}
              meta:
                type: array
                items: {type: object, required: [name, value], properties: {name: {type: string}, value: {type: string}}}
              document:
                type: object
                required: [file]
                properties:
                  file: {type: object, required: [mime, data], properties: {mime: {type: string}, data: {type: string}}}

"""#
}
