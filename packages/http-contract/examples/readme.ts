import { Contract, Endpoint } from "@comedec/http-contract";

for (const endpoint of Contract.endpoints.slice(0, 5)) console.log(endpoint.method.toUpperCase(), endpoint.path, endpoint.operationId);
console.log(Endpoint.pathOf(Contract.Pki.rootCertificate, {}));
