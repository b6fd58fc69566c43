import { ReferenceList } from "@comedec/commune-reference";

const list = ReferenceList.load((stage) => console.error(`${stage}…`));
console.log(list.communes.length, list.withCoordinates); // about 34,900 communes, 8,500 placed
const lyon = list.communes.find((commune) => commune.code === "69123");
console.log(lyon?.name, lyon?.departement, lyon?.coordinates);
