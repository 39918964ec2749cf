"""The word tables of the lexicon: one entry a line, both languages side by side.

Irregular forms (plurals, conjugations, adjective endings) are written out; the regular
ones come from `morphology` when `lexicon` parses the tables into entries.
"""

# Columns: English sg[/pl] | Italian sg[/pl] | gender (sg[/pl]) | tags.
# Tag vocabulary: person family job animal pet wild bird flyer food fruit drink mass
# thing cloth read write mail open cont surf lm dish fragile ball vehicle place indoor
# public nodest sgonly film music song radio city proper ours; loc=<en prep>:<it mode>,
# where the mode is "in"/"a" (bare when unmodified: in giardino, a scuola, else with the
# article: nel giardino grande), "in+"/"a+"/"su+" (always articulated: al mercato), and
# "in/su+" names the articulated preposition for the modified case (sulla spiaggia pulita).
# ours: a person one says "my ..." of (my friend, but not my pilot).
NOUN_TABLE = """
man/men | uomo/uomini | m | person
woman/women | donna | f | person
boy | ragazzo | m | person
girl | ragazza | f | person
child/children | bambino | m | person
friend | amico/amici | m | person ours
neighbour | vicino | m | person ours
guest | ospite | m | person ours
tourist | turista | m | person
king | re/re | m | person
queen | regina | f | person
gnome | gnomo | m | person
teacher | maestra | f | person job ours
doctor | medico/medici | m | person job ours
student | studente | m | person job
cook | cuoco | m | person job
waiter | cameriere | m | person job
nurse | infermiera | f | person job
farmer | contadino | m | person job
driver | autista | m | person job
pilot | pilota | m | person job
artist | artista | m | person job
dentist | dentista | m | person job ours
policeman/policemen | poliziotto | m | person job
postman/postmen | postino | m | person job
baker | fornaio | m | person job
lawyer | avvocato | m | person job ours
painter | pittore | m | person job
actor | attore | m | person job
actress | attrice | f | person job
singer | cantante | f | person job
engineer | ingegnere | m | person job
scientist | scienziato | m | person job
psychologist | psicologo/psicologi | m | person job
soldier | soldato | m | person job
sailor | marinaio | m | person job
mother | madre | f | person family
father | padre | m | person family
brother | fratello | m | person family
sister | sorella | f | person family
uncle | zio/zii | m | person family
aunt | zia | f | person family
grandfather | nonno | m | person family
grandmother | nonna | f | person family
son | figlio | m | person family
daughter | figlia | f | person family
cousin | cugino | m | person family
husband | marito | m | person family sgonly
wife | moglie | f | person family sgonly
Anna | Anna | f | person proper
Marco | Marco | m | person proper
Luca | Luca | m | person proper
Sara | Sara | f | person proper
Paolo | Paolo | m | person proper
Laura | Laura | f | person proper
cat | gatto | m | animal pet
dog | cane | m | animal pet
horse | cavallo | m | animal
bird | uccello | m | animal pet bird
fish/fish | pesce | m | animal pet food
cow | mucca | f | animal
sheep/sheep | pecora | f | animal
mouse/mice | topo | m | animal
rabbit | coniglio | m | animal pet
duck | anatra | f | animal bird
pig | maiale | m | animal
goat | capra | f | animal
donkey | asino | m | animal
chicken | gallina | f | animal
turtle | tartaruga | f | animal pet
lion | leone | m | animal wild
bear | orso | m | animal wild
wolf/wolves | lupo | m | animal wild
fox | volpe | f | animal wild
snake | serpente | m | animal wild
frog | rana | f | animal wild
bee | ape | f | animal wild flyer
elephant | elefante | m | animal wild
owl | gufo | m | animal wild bird
eagle | aquila | f | animal wild bird
squirrel | scoiattolo | m | animal wild
zebra | zebra | f | animal wild
spider | ragno | m | animal wild
tiger | tigre | f | animal wild
monkey | scimmia | f | animal wild
insect | insetto | m | animal wild flyer
apple | mela | f | food fruit
orange | arancia/arance | f | food fruit
egg | uovo/uova | m/f | food
cake | torta | f | food
sandwich | panino | m | food
banana | banana | f | food fruit
lemon | limone | m | food fruit
tomato/tomatoes | pomodoro | m | food
potato/potatoes | patata | f | food
carrot | carota | f | food
pear | pera | f | food fruit
peach | pesca | f | food fruit
strawberry | fragola | f | food fruit
biscuit | biscotto | m | food
pizza | pizza | f | food
onion | cipolla | f | food
ice cream | gelato | m | food
salad | insalata | f | food
sausage | salsiccia/salsicce | f | food
bread | pane | m | food mass
cheese | formaggio | m | food mass
rice | riso | m | food mass
soup | zuppa | f | food mass
meat | carne | f | food mass
pasta | pasta | f | food mass
sugar | zucchero | m | food mass
butter | burro | m | food mass
yogurt | yogurt | m | food mass
chocolate | cioccolato | m | food mass
honey | miele | m | food mass
salt | sale | m | food mass
water | acqua | f | drink mass
milk | latte | m | drink mass
coffee | caffè | m | drink mass
tea | tè | m | drink mass
wine | vino | m | drink mass
juice | succo | m | drink mass
beer | birra | f | drink mass
lemonade | limonata | f | drink mass
music | musica | f | music mass
book | libro | m | thing read
letter | lettera | f | thing read write mail
newspaper | giornale | m | thing read
magazine | rivista | f | thing read
map | mappa | f | thing read
postcard | cartolina | f | thing read write mail
message | messaggio | m | read write mail
song | canzone | f | song write
film | film | m | film
notebook | quaderno | m | thing
pen | penna | f | thing
pencil | matita | f | thing
key | chiave | f | thing
bag | borsa | f | thing cont open
box | scatola | f | thing cont open lm
basket | cestino | m | thing cont
drawer | cassetto | m | thing cont open
cup | tazza | f | thing cont dish fragile
glass/glasses | bicchiere | m | thing cont dish fragile
plate | piatto | m | thing dish fragile
bottle | bottiglia | f | thing cont open dish fragile
knife/knives | coltello | m | thing dish
spoon | cucchiaio | m | thing dish
fork | forchetta | f | thing dish
chair | sedia | f | thing surf lm
table | tavolo | m | thing surf lm
bed | letto | m | thing surf lm
sofa | divano | m | thing surf lm
shelf/shelves | scaffale | m | thing surf lm
door | porta | f | thing lm open
window | finestra | f | thing lm open fragile
lamp | lampada | f | thing fragile
clock | orologio | m | thing
phone | telefono | m | thing fragile
computer | computer | m | thing
picture | quadro | m | thing
photo | foto/foto | f | thing
umbrella | ombrello | m | thing
mirror | specchio | m | thing fragile
backpack | zaino | m | thing cont open
shoe | scarpa | f | thing cloth
hat | cappello | m | thing cloth
shirt | camicia/camicie | f | thing cloth
dress | vestito | m | thing cloth
coat | cappotto | m | thing cloth
sweater | maglione | m | thing cloth
scarf/scarves | sciarpa | f | thing cloth
ball | palla | f | thing ball
stone | sasso | m | thing ball
toy | giocattolo | m | thing
gift | regalo | m | thing mail
flower | fiore | m | thing flower
tree | albero | m | thing lm
ticket | biglietto | m | thing
ring | anello | m | thing
towel | asciugamano/asciugamani | m | thing
blanket | coperta | f | thing
candle | candela | f | thing
envelope | busta | f | thing
radio | radio/radio | f | thing radio
guitar | chitarra | f | thing
piano | pianoforte | m | thing
wallet | portafoglio | m | thing
roof | tetto | m | surf lm
wall | muro | m | surf lm
floor | pavimento | m | surf lm sgonly
car | macchina | f | vehicle lm
bicycle | bicicletta | f | vehicle
bus | autobus | m | vehicle
train | treno | m | vehicle
boat | barca | f | vehicle
plane | aereo | m | vehicle flyer
taxi | taxi | m | vehicle
truck | camion | m | vehicle
motorbike | moto/moto | f | vehicle
tram | tram | m | vehicle
scooter | scooter | m | vehicle
house | casa | f | place indoor loc=in:in+
school | scuola | f | place loc=at:a
market | mercato | m | place public loc=at:a+
park | parco | m | place public loc=in:a+
garden | giardino | m | place loc=in:in
kitchen | cucina | f | place indoor loc=in:in
station | stazione | f | place public loc=at:a+
library | biblioteca | f | place public loc=at:in
church | chiesa | f | place public loc=in:in
hospital | ospedale | m | place public loc=at:a+
office | ufficio | m | place indoor loc=at:in
bank | banca | f | place public loc=at:in
beach | spiaggia/spiagge | f | place public loc=on:in/su+
river | fiume | m | place public loc=at:a+
lake | lago | m | place public loc=at:a+
sea | mare | m | place public sgonly loc=at:a+
mountain | montagna | f | place public loc=on:su+
forest | bosco | m | place public loc=in:in+
city/cities | città | f | place loc=in:in
village | villaggio | m | place loc=in:in+
square | piazza | f | place public loc=in:in
street | strada | f | place public nodest loc=on:su+
bridge | ponte | m | place public nodest lm loc=on:su+
restaurant | ristorante | m | place public loc=at:a+
museum | museo | m | place public loc=at:a+
shop | negozio | m | place indoor loc=in:in+
hotel | albergo | m | place public loc=at:in
airport | aeroporto | m | place public loc=at:a+
stadium | stadio | m | place public loc=at:a+
cinema | cinema/cinema | m | place public loc=at:a+
theatre | teatro | m | place public loc=at:a+
bar | bar | m | place public loc=at:a+
room | stanza | f | place indoor loc=in:in+
bathroom | bagno | m | place indoor loc=in:in
farm | fattoria | f | place loc=on:in+
island | isola | f | place public loc=on:su+
field | campo | m | place loc=in:in+
hill | collina | f | place public loc=on:su+
zoo | zoo/zoo | m | place public loc=at:a+
supermarket | supermercato | m | place public loc=at:a+
castle | castello | m | place public loc=in:in+
tower | torre | f | place public loc=in:in+
port | porto | m | place public loc=at:a+
gym | palestra | f | place public loc=at:in
pool | piscina | f | place public loc=at:in
university/universities | università | f | place public loc=at:a+
classroom | aula | f | place indoor loc=in:in+
countryside | campagna | f | place public sgonly loc=in:in
garage | garage/garage | m | place indoor loc=in:in+
Rome | Roma | f | place city proper
Milan | Milano | f | place city proper
London | Londra | f | place city proper
Paris | Parigi | f | place city proper
Florence | Firenze | f | place city proper
Venice | Venezia | f | place city proper
Naples | Napoli | f | place city proper
Turin | Torino | f | place city proper
Berlin | Berlino | f | place city proper
Genoa | Genova | f | place city proper
Bologna | Bologna | f | place city proper
Madrid | Madrid | f | place city proper
"""

# English | Italian m sg[/f sg/m pl/f pl] | noun tags it applies to ("absolute": no "very").
ADJECTIVE_TABLE = """
red | rosso | thing vehicle absolute
blue | blu/blu/blu/blu | thing vehicle absolute
green | verde | thing vehicle absolute
yellow | giallo | thing vehicle absolute
white | bianco | thing vehicle animal absolute
black | nero | thing vehicle animal absolute
brown | marrone | thing animal absolute
grey | grigio | thing vehicle animal absolute
pink | rosa/rosa/rosa/rosa | thing absolute
orange | arancione | thing vehicle absolute
purple | viola/viola/viola/viola | thing absolute
big | grande | thing vehicle animal place lm
small | piccolo | thing vehicle animal place person food lm
old | vecchio | thing vehicle animal place person
new | nuovo | thing vehicle place
young | giovane | person animal
beautiful | bello | thing vehicle place person animal
ugly | brutto | thing place animal
tall | alto | person lm
long | lungo | cloth read song film
heavy | pesante | thing
clean | pulito | thing vehicle place animal
dirty | sporco | thing vehicle place animal
empty | vuoto | cont vehicle absolute
full | pieno | cont vehicle absolute
expensive | caro | thing vehicle food
cheap | economico/economica/economici/economiche | thing vehicle
modern | moderno | place vehicle
ancient | antico | place
famous | famoso | place person
quiet | tranquillo | place person animal
noisy | rumoroso | place vehicle animal
soft | morbido | thing
broken | rotto | fragile vehicle absolute
round | rotondo | thing absolute
strange | strano | person animal thing place food
wet | bagnato | thing animal
dry | asciutto | thing
happy | felice | person animal
sad | triste | person animal
tired | stanco | person animal
hungry | affamato | person animal
angry | arrabbiato | person animal
calm | calmo | person animal
sick | malato | person animal
fast | veloce | person animal vehicle
slow | lento | person animal vehicle
strong | forte | person animal
lazy | pigro | person animal
clever | intelligente | person animal
shy | timido | person animal
kind | gentile | person
nice | simpatico/simpatica/simpatici/simpatiche | person
rich | ricco | person
poor | povero | person
busy | occupato | person
brave | coraggioso | person
funny | divertente | person film
hot | caldo | food drink
cold | freddo | food drink
fresh | fresco | food drink
sweet | dolce | food drink
salty | salato | food
good | buono | food drink
delicious | delizioso | food drink
bitter | amaro | drink
ripe | maturo | fruit absolute
"""

# English[/3sg] | Italian infinitive[/1sg,3sg,1pl,3pl] or "/isc" | subject tags | frames.
# Frames: i intransitive, o=<tags> object, to/from/at a place, give=<tags> X to someone,
# put (X on/in/under... a landmark).
VERB_TABLE = """
sleep | dormire | person animal | i
run | correre | person animal | i
walk | camminare | person animal | i
swim | nuotare | person animal | i
sing | cantare | person bird | i o=song
dance | ballare | person | i
laugh | ridere | person | i
cry | piangere | person | i
work | lavorare | person | i
play | giocare | person pet | i
rest | riposare | person animal | i
jump | saltare | person animal | i
smile | sorridere | person | i
study | studiare | person | i
travel | viaggiare | person | i
shout | gridare | person | i
fly | volare | bird flyer | i
arrive | arrivare | person vehicle | i
leave | partire | person vehicle | i
wait | aspettare | person | i
wait for | aspettare | person | o=person+vehicle
live | abitare | person | at
stay | restare | person | at
go | andare/vado,va,andiamo,vanno | person | to
come | venire/vengo,viene,veniamo,vengono | person | from
return | tornare | person | from
eat | mangiare | person animal | i o=food
drink | bere/bevo,beve,beviamo,bevono | person animal | o=drink
buy | comprare | person | o=food+thing+vehicle+drink
sell | vendere | person | o=food+thing+vehicle
cook | cucinare | person | i o=food
prepare | preparare | person | o=food
read | leggere | person | i o=read
write | scrivere | person | i o=write
open | aprire | person | o=open
close | chiudere | person | o=open
see | vedere | person animal | o=animal+person+vehicle+thing+place
watch | guardare | person animal | o=animal+person+vehicle+film
look for | cercare | person animal | o=thing+person+animal
find | trovare | person animal | o=thing+animal
lose | perdere | person | o=thing
carry | portare | person animal | o=thing
wash | lavare | person | o=cloth+vehicle+pet+dish
clean | pulire/isc | person | o=indoor+thing+vehicle
paint | dipingere | person | i o=thing+indoor
draw | disegnare | person | i o=animal+person+thing+place
love | amare | person | o=person+animal+city
call | chiamare | person | o=person+pet
help | aiutare | person pet | o=person
visit | visitare | person | o=place+city
listen to | ascoltare | person animal | o=person+music+song+radio
take | prendere | person | o=thing+vehicle
use | usare | person | o=thing
fix | riparare | person | o=thing+vehicle
meet | incontrare | person | o=person
follow | seguire | person animal | o=person+animal+vehicle
know | conoscere | person | o=person+city
break | rompere | person animal | o=fragile
choose | scegliere/scelgo,sceglie,scegliamo,scelgono | person | o=thing+food
forget | dimenticare | person | o=thing
receive | ricevere | person | o=mail
throw | lanciare | person | o=ball
wear | indossare | person | o=cloth
hear | sentire | person animal | o=animal+person+vehicle+music+song
finish | finire/isc | person | o=food+read
want | volere/voglio,vuole,vogliamo,vogliono | person animal | o=thing+food+drink+vehicle
have/has | avere/ho,ha,abbiamo,hanno | person | o=pet+thing+vehicle+family
give | dare/do,dà,diamo,danno | person | give=thing+food
send | mandare | person | give=mail
show | mostrare | person | give=thing+read
put | mettere | person | put
"""

